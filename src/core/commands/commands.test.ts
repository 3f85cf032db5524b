// Table-driven: each case is a list of requests and the replies redis-server 7.0 gives to them
// (captured with redis-cli from redis-server 7.0.15), run through parse, plan and execute.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandHarness } from "../../../test/support/command-harness.js";

type Case = [name: string, steps: Array<[request: string, reply: string]>];

const WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT = "-ERR value is not an integer or out of range";
const NOT_FLOAT = "-ERR value is not a valid float";
const SYNTAX = "-ERR syntax error";

const CASES: Case[] = [
  ["SET options and conditions", [
    ["SET k v", "+OK"], ["SET k w NX", "nil"], ["SET k w XX GET", "$v"], ["SET n w XX", "nil"], ["SET k x NX GET", "$w"],
    ["SET k v NX XX", SYNTAX], ["SET k v EX", SYNTAX], ["SET k v EX 10 PX 10", SYNTAX], ["SET k v KEEPTTL EX 10", SYNTAX],
    ["SET k v EX 10 EX 20", "+OK"], ["SET k v FOO", SYNTAX], ["SET k v PERSIST", SYNTAX],
    ["SET k v EX 0", "-ERR invalid expire time in 'set' command"], ["SET k v PX -1", "-ERR invalid expire time in 'set' command"],
    ["SET k v EX x", NOT_INT], ["SET k v PX 9223372036854775807", "-ERR invalid expire time in 'set' command"],
    ["SET k v EX 9223372036854776", "-ERR invalid expire time in 'set' command"],
    ["HSET h f v", ":1"], ["SET h v GET", WRONGTYPE], ["SET h v", "+OK"], ["GET h", "$v"],
  ]],
  ["SETNX, SETEX, PSETEX, GETSET, GETDEL", [
    ["SETNX k v", ":1"], ["SETNX k w", ":0"], ["GETSET k w", "$v"], ["GETSET n w", "nil"], ["GETDEL k", "$w"], ["GETDEL k", "nil"],
    ["SETEX k 0 v", "-ERR invalid expire time in 'setex' command"], ["PSETEX k -5 v", "-ERR invalid expire time in 'psetex' command"],
    ["SETEX k x v", NOT_INT], ["SETEX k 100 v", "+OK"], ["TTL k", ":100"], ["PSETEX k 1500 v", "+OK"], ["PTTL k", ":1500"], ["TTL k", ":2"],
    ["HSET h f v", ":1"], ["GETSET h v", WRONGTYPE], ["GETDEL h", WRONGTYPE], ["GET h", WRONGTYPE],
  ]],
  ["expiry: TTL family, EXPIRE conditions, PERSIST", [
    ["TTL k", ":-2"], ["SET k v", "+OK"], ["TTL k", ":-1"], ["PTTL k", ":-1"], ["EXPIRETIME k", ":-1"], ["EXPIRE k 10 XX", ":0"],
    ["EXPIRE k 10 GT", ":0"], ["EXPIRE k 10 NX", ":1"], ["EXPIRE k 20 NX", ":0"], ["EXPIRE k 5 GT", ":0"], ["EXPIRE k 20 GT", ":1"],
    ["EXPIRE k 30 LT", ":0"], ["EXPIRE k 15 LT", ":1"], ["TTL k", ":15"], ["PEXPIRETIME k", ":1700000015000"], ["EXPIRETIME k", ":1700000015"],
    ["EXPIRE k 10 NX XX", "-ERR NX and XX, GT or LT options at the same time are not compatible"],
    ["EXPIRE k 10 GT LT", "-ERR GT and LT options at the same time are not compatible"],
    ["EXPIRE k 10 FOO", "-ERR Unsupported option FOO"], ["EXPIRE k x", NOT_INT], ["EXPIRE n 10", ":0"],
    ["EXPIRE k 9223372036854776", "-ERR invalid expire time in 'expire' command"],
    ["PEXPIRE k 9223372036854775807", "-ERR invalid expire time in 'pexpire' command"],
    ["PERSIST k", ":1"], ["PERSIST k", ":0"], ["PERSIST n", ":0"], ["TTL k", ":-1"],
    ["PEXPIREAT k 1700000000500", ":1"], ["PTTL k", ":500"], ["TTL k", ":1"], ["EXPIREAT k 1", ":1"], ["EXISTS k", ":0"],
    ["SET k v", "+OK"], ["EXPIRE k -1", ":1"], ["GET k", "nil"],
  ]],
  ["SET KEEPTTL keeps the deadline, a plain SET drops it", [
    ["SET k v EX 100", "+OK"], ["SET k w KEEPTTL", "+OK"], ["TTL k", ":100"], ["SET k x", "+OK"], ["TTL k", ":-1"],
    ["SET k v PXAT 1700000000001", "+OK"], ["PTTL k", ":1"], ["SET k v EXAT 1", "+OK"], ["GET k", "nil"],
  ]],
  ["GETEX", [
    ["GETEX n EX -5", "nil"], ["SET k v", "+OK"], ["GETEX k EX -5", "-ERR invalid expire time in 'getex' command"],
    ["GETEX k PERSIST EX 5", SYNTAX], ["GETEX k NX", SYNTAX], ["GETEX k EX 50", "$v"], ["TTL k", ":50"], ["GETEX k", "$v"],
    ["TTL k", ":50"], ["GETEX k PERSIST", "$v"], ["TTL k", ":-1"], ["GETEX k PXAT 1", "$v"], ["GET k", "nil"],
    ["HSET h f v", ":1"], ["GETEX h", WRONGTYPE],
  ]],
  ["counters", [
    ["INCR c", ":1"], ["INCRBY c 10", ":11"], ["DECR c", ":10"], ["DECRBY c -5", ":15"], ["INCRBY c x", NOT_INT],
    ["INCRBY c 1.5", NOT_INT], ["INCRBY c +1", NOT_INT], ["DECRBY c -9223372036854775808", "-ERR decrement would overflow"],
    ["SET c 9223372036854775807", "+OK"], ["INCR c", "-ERR increment or decrement would overflow"],
    ["SET c -9223372036854775808", "+OK"], ["DECR c", "-ERR increment or decrement would overflow"],
    ["SET c ' 7'", "+OK"], ["INCR c", NOT_INT], ["SET c 007", "+OK"], ["INCR c", NOT_INT], ["SET c -0", "+OK"], ["INCR c", NOT_INT],
    ["SET c 5 EX 100", "+OK"], ["INCR c", ":6"], ["TTL c", ":100"], ["HSET h f 1", ":1"], ["INCR h", WRONGTYPE], ["INCRBY h x", NOT_INT],
  ]],
  ["INCRBYFLOAT: long double arithmetic and Redis's formatting", [
    ["SET f 10.5", "+OK"], ["INCRBYFLOAT f 0.1", "$10.6"], ["INCRBYFLOAT f -10.6", "$0"], ["INCRBYFLOAT n 3e2", "$300"],
    ["INCRBYFLOAT n 0.1", "$300.10000000000000001"], ["INCRBYFLOAT f x", NOT_FLOAT], ["INCRBYFLOAT f inf", "-ERR increment would produce NaN or Infinity"],
    ["INCRBYFLOAT f 0x1p-2", "$0.25"], ["INCRBYFLOAT f 1e-400", "$0.25"], ["INCRBYFLOAT f ' 1'", NOT_FLOAT], ["INCRBYFLOAT f 1e5000", NOT_FLOAT],
    ["SET s abc", "+OK"], ["INCRBYFLOAT s 1", NOT_FLOAT], ["SET s inf", "+OK"], ["INCRBYFLOAT s 1", "-ERR increment would produce NaN or Infinity"],
    ["HSET h f 1", ":1"], ["INCRBYFLOAT h x", WRONGTYPE], ["SET e 5.0e3", "+OK"], ["INCRBYFLOAT e 1", "$5001"],
  ]],
  ["APPEND, STRLEN, GETRANGE, SETRANGE", [
    ["APPEND s ab", ":2"], ["APPEND s cd", ":4"], ["STRLEN s", ":4"], ["STRLEN n", ":0"], ["GETRANGE s 1 2", "$bc"],
    ["GETRANGE s -3 -1", "$bcd"], ["GETRANGE s -1 -3", "$"], ["GETRANGE s 5 10", "$"], ["GETRANGE s 0 100", "$abcd"],
    ["GETRANGE n 0 1", "$"], ["GETRANGE s x 1", NOT_INT], ["SETRANGE s 1 XY", ":4"], ["GET s", "$aXYd"], ["SETRANGE s -1 x", "-ERR offset is out of range"],
    ["SETRANGE n 0 ''", ":0"], ["EXISTS n", ":0"], ["SETRANGE s 2 ''", ":4"], ["SETRANGE z 2 ab", ":4"], ["STRLEN z", ":4"],
    ["SETRANGE z 2000000 ab", "-ERR value is 2000002 bytes, the limit is 1048576 bytes"],
    ["HSET h f v", ":1"], ["APPEND h x", WRONGTYPE], ["STRLEN h", WRONGTYPE], ["GETRANGE h 0 1", WRONGTYPE], ["SETRANGE h 0 x", WRONGTYPE],
  ]],
  ["MGET, MSET, MSETNX", [
    ["MSET a 1 b 2", "+OK"], ["MSET a 1 b", "-ERR wrong number of arguments for 'mset' command"], ["MGET a b c", "[$1,$2,nil]"],
    ["MSETNX c 3 a 9", ":0"], ["GET c", "nil"], ["MSETNX c 3 d 4", ":1"], ["HSET h f v", ":1"], ["MGET h a", "[nil,$1]"],
    ["MSETNX h 1 e 2", ":0"], ["MSET a 1 a 2", "+OK"], ["GET a", "$2"],
  ]],
  ["DEL, EXISTS, TOUCH, TYPE, UNLINK", [
    ["MSET a 1 b 2", "+OK"], ["EXISTS a a n", ":2"], ["TOUCH a n b", ":2"], ["DEL a a n", ":1"], ["UNLINK b", ":1"],
    ["TYPE a", "+none"], ["SET a 1", "+OK"], ["TYPE a", "+string"], ["HSET h f v", ":1"], ["TYPE h", "+hash"],
  ]],
  ["COPY, RENAME, RENAMENX", [
    ["SET a 1 EX 100", "+OK"], ["COPY a b", ":1"], ["TTL b", ":100"], ["COPY a b", ":0"], ["COPY a b REPLACE", ":1"],
    ["COPY a a", "-ERR source and destination objects are the same"], ["COPY a b DB 1", "-ERR DB index is out of range"],
    ["COPY a b DB x", NOT_INT], ["COPY a b FOO", SYNTAX], ["COPY n b", ":0"], ["COPY a c DB 0", ":1"],
    ["RENAME n x", "-ERR no such key"], ["RENAMENX n x", "-ERR no such key"], ["RENAME a a", "+OK"], ["RENAMENX a a", ":0"],
    ["RENAMENX a b", ":0"], ["RENAME a d", "+OK"], ["EXISTS a", ":0"], ["TTL d", ":100"], ["RENAMENX d e", ":1"], ["GET e", "$1"],
    ["HSET h f v", ":1"], ["RENAME h e", "+OK"], ["HGET e f", "$v"],
  ]],
  ["OBJECT ENCODING", [
    ["SET a 123", "+OK"], ["OBJECT ENCODING a", "$int"], ["SET a abc", "+OK"], ["OBJECT ENCODING a", "$embstr"],
    [`SET a ${"x".repeat(45)}`, "+OK"], ["OBJECT ENCODING a", "$raw"], ["HSET h f v", ":1"], ["OBJECT ENCODING h", "$listpack"],
    [`HSET h g ${"x".repeat(65)}`, ":1"], ["OBJECT ENCODING h", "$hashtable"], ["OBJECT ENCODING n", "nil"],
  ]],
  ["hashes", [
    ["HSET h a 1 b 2", ":2"], ["HSET h a 3 c 4", ":1"], ["HSET h a", "-ERR wrong number of arguments for 'hset' command"],
    ["HGETALL h", "{$a=$3,$b=$2,$c=$4}"], ["HKEYS h", "[$a,$b,$c]"], ["HVALS h", "[$3,$2,$4]"], ["HLEN h", ":3"],
    ["HMSET h d 5", "+OK"], ["HSETNX h a 9", ":0"], ["HSETNX h e 6", ":1"], ["HGET h a", "$3"], ["HGET h z", "nil"],
    ["HMGET h a z", "[$3,nil]"], ["HMGET n a", "[nil]"], ["HEXISTS h a", ":1"], ["HEXISTS h z", ":0"], ["HSTRLEN h a", ":1"],
    ["HSTRLEN h z", ":0"], ["HDEL h a a z", ":1"], ["HDEL h b c d e", ":4"], ["EXISTS h", ":0"], ["HGETALL h", "{}"], ["HKEYS h", "[]"],
    ["SET s v", "+OK"], ["HGET s a", WRONGTYPE], ["HSET s a 1", WRONGTYPE], ["HGETALL s", WRONGTYPE], ["HDEL s a", WRONGTYPE],
  ]],
  ["HINCRBY, HINCRBYFLOAT", [
    ["HINCRBY h a 5", ":5"], ["HINCRBY h a x", NOT_INT], ["HSET h s abc", ":1"], ["HINCRBY h s 1", "-ERR hash value is not an integer"],
    ["HSET h m 9223372036854775807", ":1"], ["HINCRBY h m 1", "-ERR increment or decrement would overflow"],
    ["HINCRBYFLOAT h a 0.5", "$5.5"], ["HINCRBYFLOAT h s 1", "-ERR hash value is not a float"],
    ["HINCRBYFLOAT h a inf", "-ERR value is NaN or Infinity"], ["HINCRBYFLOAT h a x", NOT_FLOAT], ["HINCRBYFLOAT h f 10.5", "$10.5"],
    ["HINCRBYFLOAT h f 0.1", "$10.6"], ["SET s 1", "+OK"], ["HINCRBY s a 1", WRONGTYPE],
  ]],
  ["HRANDFIELD and HSCAN", [
    ["HRANDFIELD n", "nil"], ["HRANDFIELD n 3", "[]"], ["HSET h a 1 b 2", ":2"], ["HRANDFIELD h", "$a"], ["HRANDFIELD h 0", "[]"],
    ["HRANDFIELD h 5", "[$a,$b]"], ["HRANDFIELD h -3", "[$a,$a,$a]"], ["HRANDFIELD h 5 WITHVALUES", "<$a=$1,$b=$2>"],
    ["HRANDFIELD h 1 FOO", SYNTAX], ["HRANDFIELD h x", NOT_INT],
    ["HRANDFIELD h -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"],
    ["HRANDFIELD h 9223372036854775807 WITHVALUES", "-ERR value is out of range"],
    ["HSCAN h 0", "[$0,[$a,$1,$b,$2]]"], ["HSCAN h 0 MATCH b*", "[$0,[$b,$2]]"], ["HSCAN h x", "-ERR invalid cursor"],
    ["HSCAN h 0 COUNT 0", SYNTAX], ["HSCAN h 0 TYPE hash", SYNTAX], ["HSCAN n 0 COUNT 0", "[$0,[]]"], ["SET s v", "+OK"], ["HSCAN s 0", WRONGTYPE],
  ]],
  ["arity and unknown subcommand forms", [
    ["GET", "-ERR wrong number of arguments for 'get' command"], ["OBJECT ENCODING", "-ERR wrong number of arguments for 'object|encoding' command"],
    ["HSET h", "-ERR wrong number of arguments for 'hset' command"], ["EXPIRE k", "-ERR wrong number of arguments for 'expire' command"],
  ]],
];

for (const [name, steps] of CASES) {
  test(name, () => {
    const harness = new CommandHarness();
    for (const [request, expected] of steps) assert.equal(harness.run(request), expected, request);
  });
}

test("an expired key is absent to readers at once, and a write command deletes it", () => {
  const harness = new CommandHarness();
  harness.run("SET k v PX 100");
  harness.nowMs += 99;
  assert.equal(harness.run("GET k"), "$v");
  harness.nowMs += 1;
  assert.equal(harness.run("GET k"), "nil");
  assert.equal(harness.store.size, 1, "a read does not delete");
  assert.equal(harness.run("EXISTS k"), ":0");
  assert.equal(harness.run("SETNX k w"), ":1");
  assert.equal(harness.run("TTL k"), ":-1");
  harness.run("SET j v PX 1");
  harness.nowMs += 1;
  assert.equal(harness.run("DEL j"), ":0");
  assert.equal(harness.store.has("j"), false);
});

test("EXEC runs its commands over one view; a failing command changes nothing, the others apply", () => {
  const harness = new CommandHarness();
  assert.equal(harness.exec(["SET a 1", "INCR a", "HSET a f v", "APPEND a x", "SET b 1 EX 0", "GET a"]),
    `[+OK,:2,${WRONGTYPE},:2,-ERR invalid expire time in 'set' command,$2x]`);
  assert.equal(harness.run("GET a"), "$2x");
  assert.equal(harness.run("EXISTS b"), ":0");
});
