// What COMMAND DOCS says about each command of src/core/commands: summary, group, the Redis
// version it appeared in, and its syntax (see syntax-docs.ts). Wording after redis.io.
export interface CoreCommandDoc {
  summary: string;
  group: "string" | "generic" | "hash";
  since: string;
  syntax: string;
  complexity: string;
}

const EXPIRY = "[EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds";
const EACH_KEY = "O(N) where N is the number of keys";
const EACH_FIELD = "O(N) where N is the number of fields";
/** Complexity as Redis documents it for the commands that are not O(1). */
const COMPLEXITY: Readonly<Record<string, string>> = {
  mget: EACH_KEY, mset: EACH_KEY, msetnx: EACH_KEY, del: EACH_KEY, unlink: EACH_KEY, exists: EACH_KEY, touch: EACH_KEY,
  getrange: "O(N) where N is the length of the returned string", setrange: "O(1), not counting the time taken to copy the new string",
  copy: "O(N) worst case for collections, where N is the number of nested items", rename: "O(1)",
  hset: "O(1) for each field/value pair added, so O(N) to add N field/value pairs", hmset: "O(N) where N is the number of fields being set",
  hmget: "O(N) where N is the number of fields being requested", hdel: "O(N) where N is the number of fields to be removed",
  hkeys: EACH_FIELD, hvals: EACH_FIELD, hgetall: EACH_FIELD, hrandfield: "O(N) where N is the number of fields returned",
  hscan: "O(N) where N is the number of fields: one call returns the whole hash",
};
const doc = (group: CoreCommandDoc["group"], since: string, summary: string, syntax: string): CoreCommandDoc =>
  ({ summary, group, since, syntax, complexity: "O(1)" });

const DOCS: Record<string, CoreCommandDoc> = {
  get: doc("string", "1.0.0", "Get the value of a key", "key"),
  set: doc("string", "1.0.0", "Set the string value of a key, optionally only if it does (not) exist, with an expiry, returning the old value",
    `key value [NX|XX] [GET] ${EXPIRY}|KEEPTTL]`),
  setnx: doc("string", "1.0.0", "Set the value of a key, only if the key does not exist", "key value"),
  setex: doc("string", "2.0.0", "Set the value and expiration of a key", "key seconds value"),
  psetex: doc("string", "2.6.0", "Set the value and expiration in milliseconds of a key", "key milliseconds value"),
  getset: doc("string", "1.0.0", "Set the string value of a key and return its old value", "key value"),
  getex: doc("string", "6.2.0", "Get the value of a key and optionally set its expiration", `key ${EXPIRY}|PERSIST]`),
  getdel: doc("string", "6.2.0", "Get the value of a key and delete the key", "key"),
  mget: doc("string", "1.0.0", "Get the values of all the given keys", "key [key ...]"),
  mset: doc("string", "1.0.1", "Set multiple keys to multiple values, atomically (also across nodes)", "(key value) ..."),
  msetnx: doc("string", "1.0.1", "Set multiple keys to multiple values, only if none of the keys exist (all or none, also across nodes)", "(key value) ..."),
  append: doc("string", "2.0.0", "Append a value to a key", "key value"),
  strlen: doc("string", "2.2.0", "Get the length of the value stored in a key", "key"),
  getrange: doc("string", "2.4.0", "Get a substring of the string stored at a key", "key start end"),
  setrange: doc("string", "2.2.0", "Overwrite part of a string at key starting at the specified offset", "key offset value"),
  incr: doc("string", "1.0.0", "Increment the integer value of a key by one", "key"),
  decr: doc("string", "1.0.0", "Decrement the integer value of a key by one", "key"),
  incrby: doc("string", "1.0.0", "Increment the integer value of a key by the given amount", "key increment"),
  decrby: doc("string", "1.0.0", "Decrement the integer value of a key by the given number", "key decrement"),
  incrbyfloat: doc("string", "2.6.0", "Increment the float value of a key by the given amount", "key increment"),
  del: doc("generic", "1.0.0", "Delete keys, atomically; answers how many existed", "key [key ...]"),
  unlink: doc("generic", "4.0.0", "Delete keys (the same as DEL in ringkv)", "key [key ...]"),
  exists: doc("generic", "1.0.0", "Determine how many of the keys exist (a key named twice counts twice)", "key [key ...]"),
  touch: doc("generic", "3.2.1", "Count the keys that exist (ringkv keeps no access times)", "key [key ...]"),
  type: doc("generic", "1.0.0", "Determine the type stored at key", "key"),
  ttl: doc("generic", "1.0.0", "Get the time to live for a key in seconds", "key"),
  pttl: doc("generic", "2.6.0", "Get the time to live for a key in milliseconds", "key"),
  expiretime: doc("generic", "7.0.0", "Get the expiration Unix timestamp for a key", "key"),
  pexpiretime: doc("generic", "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds", "key"),
  expire: doc("generic", "1.0.0", "Set a key's time to live in seconds", "key seconds [NX|XX|GT|LT]"),
  pexpire: doc("generic", "2.6.0", "Set a key's time to live in milliseconds", "key milliseconds [NX|XX|GT|LT]"),
  expireat: doc("generic", "1.2.0", "Set the expiration for a key as a UNIX timestamp", "key unix-time-seconds [NX|XX|GT|LT]"),
  pexpireat: doc("generic", "2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
    "key unix-time-milliseconds [NX|XX|GT|LT]"),
  persist: doc("generic", "2.2.0", "Remove the expiration from a key", "key"),
  copy: doc("generic", "6.2.0", "Copy a key (database 0 only)", "source destination [DB destination-db] [REPLACE]"),
  rename: doc("generic", "1.0.0", "Rename a key (atomically, also across nodes)", "key newkey"),
  renamenx: doc("generic", "1.0.0", "Rename a key, only if the new key does not exist", "key newkey"),
  "object|encoding": doc("generic", "2.2.3", "Inspect the internal encoding of a Redis object (as Redis would most likely encode it)", "key"),
  hset: doc("hash", "2.0.0", "Set the string value of a hash field", "key (field value) ..."),
  hmset: doc("hash", "2.0.0", "Set multiple hash fields to multiple values", "key (field value) ..."),
  hsetnx: doc("hash", "2.0.0", "Set the value of a hash field, only if the field does not exist", "key field value"),
  hget: doc("hash", "2.0.0", "Get the value of a hash field", "key field"),
  hmget: doc("hash", "2.0.0", "Get the values of all the given hash fields", "key field [field ...]"),
  hdel: doc("hash", "2.0.0", "Delete one or more hash fields", "key field [field ...]"),
  hexists: doc("hash", "2.0.0", "Determine if a hash field exists", "key field"),
  hlen: doc("hash", "2.0.0", "Get the number of fields in a hash", "key"),
  hstrlen: doc("hash", "3.2.0", "Get the length of the value of a hash field", "key field"),
  hkeys: doc("hash", "2.0.0", "Get all the fields in a hash", "key"),
  hvals: doc("hash", "2.0.0", "Get all the values in a hash", "key"),
  hgetall: doc("hash", "2.0.0", "Get all the fields and values in a hash", "key"),
  hincrby: doc("hash", "2.0.0", "Increment the integer value of a hash field by the given number", "key field increment"),
  hincrbyfloat: doc("hash", "2.6.0", "Increment the float value of a hash field by the given amount", "key field increment"),
  hrandfield: doc("hash", "6.2.0", "Get one or multiple random fields from a hash", "key [count [WITHVALUES]]"),
  hscan: doc("hash", "2.8.0", "Incrementally iterate hash fields and associated values (one page holds the whole hash)",
    "key cursor [MATCH pattern] [COUNT count]"),
};
for (const [name, complexity] of Object.entries(COMPLEXITY)) (DOCS[name] as CoreCommandDoc).complexity = complexity;

export const CORE_COMMAND_DOCS: Readonly<Record<string, CoreCommandDoc>> = Object.freeze(DOCS);
