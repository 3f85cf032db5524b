// Limits are derived: the largest request the default limits accept — 64 MiB of keys and values in
// 100,000 writes, the worst mix of both — makes records and link messages that fit the store's
// record limit and the link's frame limit. Packed with the very code the processes use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame } from "../codec/frame-codec.js";
import type { TxnWrite } from "../core/cluster/types.js";
import { DEFAULT_LIMITS, linkFrameBytesMax, makeLimits, recordBytesMax } from "../shared/limits.js";
import { coordinatorStoreWrites, participantStoreWrites } from "./records.js";

/** Writes of the largest MSET: as many values of the limit (with keys of the limit) as fit, and the rest of the writes with short keys. */
function largestWrites(): TxnWrite[] {
  const { requestBytesMax, keysPerCommandMax, keyBytesMax, valueBytesMax } = DEFAULT_LIMITS;
  const small = (i: number) => ({ key: Buffer.from(i.toString(36)), value: Buffer.alloc(0) });
  const smallCount = keysPerCommandMax - 63;
  let bytes = "MSET".length;
  const writes: TxnWrite[] = [];
  for (let i = 0; i < smallCount; i++) {
    const write = small(i);
    bytes += write.key.length;
    writes.push(write);
  }
  const big = keyBytesMax + valueBytesMax;
  while (bytes + big <= requestBytesMax && writes.length < keysPerCommandMax) {
    writes.push({ key: Buffer.alloc(keyBytesMax, writes.length % 251), value: Buffer.alloc(valueBytesMax, 7) });
    bytes += big;
  }
  assert.ok(bytes > requestBytesMax - big, "the request is as large as the limits allow");
  return writes;
}

test("the largest accepted request's prepare, decision and commit fit the store's record limit, and their messages a frame", () => {
  const writes = largestWrites();
  const txid = "4294967295.9007199254740991";
  const participants = Array.from({ length: 256 }, (_, i) => `node-${"x".repeat(58)}${i}`.slice(0, 64));
  const prepared = participantStoreWrites([{ type: "prepared", txid, writes }]).extra;
  const decision = coordinatorStoreWrites([{ type: "decision", txid, participants, writes }]);
  for (const record of [...prepared, ...decision]) {
    assert.ok((record.value?.length ?? 0) <= recordBytesMax(DEFAULT_LIMITS), `${record.db} record of ${record.value?.length} bytes`);
  }
  const committed = participantStoreWrites([{ type: "committed", txid, writes }]).data;
  assert.ok(committed.every((write) => (write.value?.length ?? 0) <= DEFAULT_LIMITS.valueBytesMax));
  for (const message of [{ type: "prepare", txid, writes, wantValues: false }, { type: "apply", txid, writes }]) {
    assert.ok(encodeFrame(message).length <= linkFrameBytesMax(DEFAULT_LIMITS), `${message.type} frame`);
  }
});

test("the record limit grows with the value and request limits, never below them", () => {
  assert.ok(recordBytesMax(DEFAULT_LIMITS) > DEFAULT_LIMITS.requestBytesMax);
  assert.ok(recordBytesMax(DEFAULT_LIMITS) > DEFAULT_LIMITS.valueBytesMax);
  assert.ok(linkFrameBytesMax(DEFAULT_LIMITS) > recordBytesMax(DEFAULT_LIMITS));
  const large = makeLimits({ valueBytesMax: 100 * 1024 * 1024 });
  assert.ok(large.requestBytesMax >= large.keyBytesMax + large.valueBytesMax, "a SET of the largest key and value is a request the parser takes");
  assert.ok(recordBytesMax(large) > large.requestBytesMax);
});
