// The slow log keeps the newest maxLen entries whatever the order of adds, trims and setting changes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SlowLog } from "./slowlog.js";

const args = [Buffer.from("SET"), Buffer.from("k"), Buffer.from("v")];
const ids = (log: SlowLog, count = -1) => log.newest(count).map((entry) => entry.id);

test("the slow log shows the newest maxLen entries, newest first, however many were added", () => {
  const log = new SlowLog({ logSlowerThanUs: 0, maxLen: 3 });
  for (let i = 0; i < 10; i++) log.add(1, 20_000 + i, "127.0.0.1:1", "", args);
  assert.equal(log.length, 3);
  assert.deepEqual(ids(log), [9, 8, 7]);
  assert.deepEqual(ids(log, 2), [9, 8]);
  assert.deepEqual(log.newest(1)[0]?.args.map(String), ["SET", "k", "v"]);
  log.settings.maxLen = 2;
  log.trim();
  assert.deepEqual(ids(log), [9, 8]);
  log.settings.maxLen = 0;
  log.add(1, 1, "127.0.0.1:1", "", args);
  assert.equal(log.length, 0);
  assert.deepEqual(ids(log), []);
  log.settings.maxLen = 5;
  log.reset();
  log.add(1, 1, "127.0.0.1:1", "", args);
  assert.deepEqual(ids(log), [11]);
});

test("an entry keeps copies of its arguments, not views of the request", () => {
  const log = new SlowLog({ logSlowerThanUs: 0, maxLen: 4 });
  const request = Buffer.from("GETk");
  log.add(1, 1, "127.0.0.1:1", "", [request.subarray(0, 3), request.subarray(3)]);
  request.fill(0x78);
  assert.deepEqual(log.newest(1)[0]?.args.map(String), ["GET", "k"]);
});
