// Differential test: the same random command sequences go to a real redis-server and to ringkv —
// a standalone node, and a cluster through its coordinator (3 nodes, R = 3) — and every reply must
// be equal, except where docs/redis-differences.json says how a command's replies compare (the one
// list of known differences).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import type { RespValue } from "../../src/codec/resp-decoder.js";
import { RespReplyError } from "../../src/codec/resp-decoder.js";
import { RawResp } from "../support/raw-resp.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { TestCluster } from "../support/cluster.js";
import { startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

interface Difference {
  id: string;
  commands: string[];
  compare: "exact" | "tolerance" | "shape" | "encoding-family" | "sorted" | "excluded" | "excluded-in-multi";
  toleranceMs?: number;
}

const DIFFERENCES: Difference[] = (JSON.parse(readFileSync(new URL("../../../docs/redis-differences.json", import.meta.url), "utf8")) as {
  differences: Difference[];
}).differences;

/** How replies of a command compare: the rule of the first difference that lists it, else exactly. */
function ruleFor(command: string): Difference | undefined {
  return DIFFERENCES.find((difference) => difference.commands.includes(command) && !difference.compare.startsWith("exact"));
}

type Args = string[];
const KEYS = ["a", "b", "h"];
const FIELDS = ["f", "x", "y"];
const VALUES = ["", "0", "1", "-5", "10.5", "3e2", "abc", "9223372036854775807", "-9223372036854775808", " 7", "0x10", "inf", "1e400", "0.1"];
const INTEGERS = ["0", "1", "-1", "5", "100", "-100", "9223372036854775807", "-9223372036854775808", "x", "1.5", "+3"];
const FLOATS = ["0.1", "-0.1", "1.5", "3e2", "inf", "abc", "1e-5", "-1.5e3", "5", "0x1p-2"];
const SECONDS = ["100", "0", "-1", "x", "1000"];
const MS = ["100000", "0", "-5", "2000000"];
const AT_SECONDS = ["1", "4102444800"];
const AT_MS = ["1", "4102444800000"];

const key = fc.constantFrom(...KEYS);
const field = fc.constantFrom(...FIELDS);
const value = fc.constantFrom(...VALUES);
const int = fc.constantFrom(...INTEGERS);
const float = fc.constantFrom(...FLOATS);
const small = fc.constantFrom("0", "1", "2", "5", "-1", "-3", "10", "100", "-100");

const setOption: fc.Arbitrary<Args> = fc.oneof(
  fc.constantFrom<Args>(["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["FOO"]),
  fc.tuple(fc.constant("EX"), fc.constantFrom(...SECONDS)),
  fc.tuple(fc.constant("PX"), fc.constantFrom(...MS)),
  fc.tuple(fc.constant("EXAT"), fc.constantFrom(...AT_SECONDS)),
  fc.tuple(fc.constant("PXAT"), fc.constantFrom(...AT_MS)),
);
const getexOption: fc.Arbitrary<Args> = fc.oneof(
  fc.constantFrom<Args>(["PERSIST"], ["NX"]),
  fc.tuple(fc.constant("EX"), fc.constantFrom(...SECONDS)),
  fc.tuple(fc.constant("PXAT"), fc.constantFrom(...AT_MS)),
);
const options = (option: fc.Arbitrary<Args>) => fc.array(option, { maxLength: 3 }).map((list) => list.flat());
const expireFlags = fc.array(fc.constantFrom("NX", "XX", "GT", "LT"), { maxLength: 2 });

const deterministicCommand: fc.Arbitrary<Args> = fc.oneof(
  fc.tuple(fc.constant("GET"), key),
  fc.tuple(fc.constant("SET"), key, value, options(setOption)).map(([n, k, v, o]) => [n, k, v, ...o]),
  fc.tuple(fc.constantFrom("SETNX", "GETSET", "APPEND"), key, value),
  fc.tuple(fc.constant("SETEX"), key, fc.constantFrom(...SECONDS), value),
  fc.tuple(fc.constant("PSETEX"), key, fc.constantFrom(...MS), value),
  fc.tuple(fc.constant("GETEX"), key, options(getexOption)).map(([n, k, o]) => [n, k, ...o]),
  fc.tuple(fc.constantFrom("GETDEL", "STRLEN", "INCR", "DECR", "TYPE", "PERSIST", "HLEN", "HKEYS", "HVALS", "HGETALL"), key),
  fc.tuple(fc.constantFrom("MGET", "DEL", "UNLINK", "EXISTS", "TOUCH"), fc.array(key, { minLength: 1, maxLength: 3 }))
    .map(([n, keys]) => [n, ...keys]),
  fc.tuple(fc.constantFrom("MSET", "MSETNX"), fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }))
    .map(([n, pairs]) => [n, ...pairs.flat()]),
  fc.tuple(fc.constant("GETRANGE"), key, small, small),
  fc.tuple(fc.constant("SETRANGE"), key, fc.constantFrom("0", "1", "3", "10", "-1"), value),
  fc.tuple(fc.constantFrom("INCRBY", "DECRBY"), key, int),
  fc.tuple(fc.constant("INCRBYFLOAT"), key, float),
  // Relative times are long (or not positive): a key must not expire between the two servers' turns.
  fc.tuple(fc.constant("EXPIRE"), key, fc.constantFrom(...SECONDS), expireFlags).map(([n, k, t, f]) => [n, k, t, ...f]),
  fc.tuple(fc.constant("PEXPIRE"), key, fc.constantFrom(...MS), expireFlags).map(([n, k, t, f]) => [n, k, t, ...f]),
  fc.tuple(fc.constant("EXPIREAT"), key, fc.constantFrom(...AT_SECONDS, "-5"), expireFlags).map(([n, k, t, f]) => [n, k, t, ...f]),
  fc.tuple(fc.constant("PEXPIREAT"), key, fc.constantFrom(...AT_MS), expireFlags).map(([n, k, t, f]) => [n, k, t, ...f]),
  fc.tuple(fc.constant("COPY"), key, key, fc.constantFrom([], ["REPLACE"], ["DB", "0"], ["FOO"])).map(([n, a, b, o]) => [n, a, b, ...o]),
  fc.tuple(fc.constantFrom("RENAME", "RENAMENX"), key, key),
  fc.tuple(fc.constantFrom("HSET", "HMSET"), key, fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }))
    .map(([n, k, pairs]) => [n, k, ...pairs.flat()]),
  fc.tuple(fc.constant("HSET"), key, field),
  fc.tuple(fc.constant("HSETNX"), key, field, value),
  fc.tuple(fc.constantFrom("HGET", "HEXISTS", "HSTRLEN"), key, field),
  fc.tuple(fc.constantFrom("HMGET", "HDEL"), key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([n, k, f]) => [n, k, ...f]),
  fc.tuple(fc.constant("HINCRBY"), key, field, int),
  fc.tuple(fc.constant("HINCRBYFLOAT"), key, field, float),
  fc.tuple(fc.constant("HSCAN"), key, fc.constantFrom("0", "x"), fc.constantFrom([], ["MATCH", "f*"], ["COUNT", "0"], ["TYPE", "hash"]))
    .map(([n, k, c, o]) => [n, k, c, ...o]),
);

/** HRANDFIELD, OBJECT ENCODING and the TTL family compare loosely (see redis-differences.json): not in transactions. */
const dataCommand: fc.Arbitrary<Args> = fc.oneof(
  { weight: 30, arbitrary: deterministicCommand },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("OBJECT"), fc.constant("ENCODING"), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("HRANDFIELD"), key,
    fc.constantFrom([], ["0"], ["2"], ["5"], ["-3"], ["2", "WITHVALUES"], ["-2", "WITHVALUES"], ["1", "FOO"])).map(([n, k, o]) => [n, k, ...o]) },
);

/** A transaction: MULTI, queued commands (sometimes one refused at queue time), EXEC or DISCARD. */
const transaction: fc.Arbitrary<Args[]> = fc.tuple(
  fc.array(deterministicCommand, { minLength: 1, maxLength: 4 }),
  fc.constantFrom<Args[]>([], [], [["NOSUCHCOMMAND", "x"]], [["GET"]], [["PING"]]),
  fc.constantFrom("EXEC", "EXEC", "DISCARD"),
).map(([commands, extra, end]) => [["MULTI"], ...commands, ...extra, [end]]);

const sequence = fc.array(fc.oneof({ weight: 6, arbitrary: dataCommand.map((c) => [c]) }, { weight: 1, arbitrary: transaction }),
  { minLength: 10, maxLength: 40 }).map((groups) => groups.flat());

/** A reply as plain data: bulk vs simple strings and errors stay distinct. */
function plain(value: RespValue): unknown {
  if (Buffer.isBuffer(value)) return { bulk: value.toString("latin1") };
  if (value instanceof RespReplyError) return { error: value.message };
  if (typeof value === "string") return { simple: value };
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [plain(k), plain(v)]) };
  return value;
}

function sameReply(command: Args, fromRedis: RespValue, fromRingkv: RespValue): void {
  const name = (command[0] as string).toLowerCase();
  const rule = ruleFor(name);
  const expected = plain(fromRedis);
  const actual = plain(fromRingkv);
  const what = `${command.join(" ")}: redis ${JSON.stringify(expected)}, ringkv ${JSON.stringify(actual)}`;
  switch (rule?.compare) {
    case "tolerance":
      if (typeof expected === "number" && typeof actual === "number" && expected >= 0 && actual >= 0) {
        const slack = name.startsWith("p") ? (rule.toleranceMs as number) : Math.ceil((rule.toleranceMs as number) / 1000);
        assert.ok(Math.abs(expected - actual) <= slack, what);
        return;
      }
      break;
    case "shape":
      assert.deepEqual(shapeOf(command, expected), shapeOf(command, actual), what);
      return;
    case "encoding-family":
      assert.equal(encodingFamily(expected), encodingFamily(actual), what);
      return;
    case "sorted":
      assert.deepEqual(sortedIfArray(expected), sortedIfArray(actual), what);
      return;
    default:
      break;
  }
  assert.deepEqual(actual, expected, what);
}

/** A random reply's shape: nil or error or one value; how many elements, and which when fewer than asked (the whole hash). */
function shapeOf(command: Args, reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply === null || (typeof reply === "object" && reply !== null && "error" in reply) ? reply : "one";
  const count = Number(command[2]);
  // WITHVALUES: RESP2 a flat list, RESP3 a list of pairs.
  const fields = command[3] !== undefined && !Array.isArray(reply[0]) ? reply.length / 2 : reply.length;
  const whole = count > 0 && fields < count;
  return { length: reply.length, items: whole ? sortedIfArray(reply) : "some" };
}

function encodingFamily(reply: unknown): string {
  const text = (reply as { bulk?: string } | null)?.bulk;
  if (text === undefined) return JSON.stringify(reply);
  return ["int", "embstr", "raw"].includes(text) ? "string" : "hash";
}

function sortedIfArray(reply: unknown): unknown {
  return Array.isArray(reply) ? reply.map((item) => JSON.stringify(item)).sort() : reply;
}

/**
 * The command with its keys renamed into namespace `run` (a, b, h are never values, fields or
 * options), for a server that cannot start each run from an empty keyspace.
 */
function inNamespace(command: Args, run: number): Args {
  return command.map((arg, index) => (index > 0 && KEYS.includes(arg) ? `run${run}:${arg}` : arg));
}

/** Sends each generated sequence to redis-server (emptied first) and to ringkv; `fresh` readies ringkv's keyspace for a run. */
async function compareSequences(redisPort: number, ringkvPort: number, protocol: 2 | 3, numRuns: number,
  fresh: (toRingkv: RawResp) => Promise<(command: Args) => Args>): Promise<void> {
  const toRedis = await RawResp.connect(redisPort);
  const toRingkv = await RawResp.connect(ringkvPort);
  try {
    if (protocol === 3) {
      await toRedis.call(["HELLO", "3"]);
      await toRingkv.call(["HELLO", "3"]);
    }
    await fc.assert(fc.asyncProperty(sequence, async (commands) => {
      await toRedis.call(["FLUSHALL"]);
      const forRingkv = await fresh(toRingkv);
      for (const command of commands) {
        sameReply(command, await toRedis.call(command), await toRingkv.call(forRingkv(command)));
      }
    }), { numRuns, includeErrorInReport: true, seed: Number(process.env.RINGKV_DIFF_SEED ?? Date.now() % 2 ** 31) });
  } finally {
    toRedis.close();
    toRingkv.close();
  }
}

describe("ringkv answers as redis-server 7.0 does", { timeout: 600_000 }, () => {
  let redis: RedisServer;
  let node: RingkvProcess;
  let cluster: TestCluster;
  const dir = tempDir("differential");

  before(async () => {
    [redis, node, cluster] = await Promise.all([startRedisServer(), startNode(`${dir.path}/node`), TestCluster.start({ nodes: 3, replicas: 3 })]);
  });

  after(async () => {
    await Promise.all([redis?.stop(), node && stopGracefully(node), cluster?.stop()]);
    dir.remove();
  });

  for (const protocol of [2, 3] as const) {
    test(`random command sequences, standalone node, RESP${protocol}`, async () => {
      await compareSequences(redis.port, node.port, protocol, 80, async (toRingkv) => {
        await toRingkv.call(["FLUSHALL"]);
        return (command) => command;
      });
    });
  }

  // The coordinator has no FLUSHALL (it would need the whole keyspace): each run uses keys of its own.
  for (const protocol of [2, 3] as const) {
    let run = 0;
    test(`random command sequences, cluster coordinator, RESP${protocol}`, async () => {
      await compareSequences(redis.port, cluster.port, protocol, 40, async () => {
        run += 1;
        const namespace = protocol * 1000 + run;
        return (command) => inNamespace(command, namespace);
      });
    });
  }
});
