// Key scans through the coordinator (PROTOCOL.md, Key scans): every partition's keys, chunk by
// chunk, from a live in-sync replica, completed by decisions a replica has not applied yet.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType, text } from "../../../test/support/scenario-harness.js";
import type { Bytes } from "./types.js";

/** One partition's chunk, settled; its keys as text and where to go on from. */
function chunk(c: ClusterHarness, partition: number, after: Bytes | null, bytesMax: number, settle = true) {
  const id = c.request({ kind: "scanKeys", partition, after, bytesMax });
  if (settle) c.settle();
  return id;
}

function keysOf(c: ClusterHarness, id: number): { keys: string[]; next: Bytes | null; partitions: number } {
  const answer = c.answer(id);
  assert.equal(answer?.result?.kind, "keys", `answered ${JSON.stringify(answer)}`);
  const result = answer!.result as Extract<NonNullable<typeof answer.result>, { kind: "keys" }>;
  return { keys: result.entries.map((entry) => text(entry.key)!), next: result.next, partitions: result.partitions };
}

/** Every key of the cluster, walking every partition in small chunks. */
function scanAll(c: ClusterHarness, bytesMax: number): string[] {
  const keys: string[] = [];
  let partitions = 1;
  for (let partition = 0; partition < partitions; partition++) {
    let after: Bytes | null = null;
    do {
      const page = keysOf(c, chunk(c, partition, after, bytesMax));
      partitions = page.partitions;
      keys.push(...page.keys);
      after = page.next;
    } while (after !== null);
  }
  return keys;
}

test("a walk of every partition in small chunks finds every live key once, and no deleted one", () => {
  const c = new ClusterHarness().start();
  for (let i = 0; i < 40; i++) c.set(`key:${i}`, `value ${i}`);
  c.settle();
  c.request({ kind: "del", keys: [bytes("key:7"), bytes("key:8")] });
  c.settle();
  const found = scanAll(c, 1);
  assert.deepEqual([...found].sort(), Array.from({ length: 40 }, (_, i) => `key:${i}`).filter((key) => key !== "key:7" && key !== "key:8").sort());
});

test("a key whose commit no replica has applied yet is in its partition's chunk (from the decided value)", () => {
  const c = new ClusterHarness().start();
  c.set("k", "v");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR); // decided and answered; the commits are still on their way
  assert.equal(c.answers.size, 1);
  assert.ok(c.inFlight(ofType("commit")).length > 0);
  const partition = c.coordinator.locate(bytes("k")).partition;
  const id = chunk(c, partition, null, 1024 * 1024, false);
  c.deliver(ofType("scan"));
  c.deliver(ofType("scanChunk"));
  assert.deepEqual(keysOf(c, id).keys, ["k"]);
});

test("a scan whose replica goes down asks another in-sync replica", () => {
  const c = new ClusterHarness().start();
  c.set("k", "v");
  c.settle();
  const partition = c.coordinator.locate(bytes("k")).partition;
  const id = chunk(c, partition, null, 1024, false);
  const first = c.inFlight(ofType("scan"))[0]!.to;
  c.crashNode(first);
  c.settleWithTime();
  assert.deepEqual(keysOf(c, id).keys, ["k"]);
});

test("a partition the ring does not have is refused", () => {
  const c = new ClusterHarness().start();
  const id = chunk(c, 1 << 20, null, 1024);
  assert.equal(c.answer(id)?.error?.code, "ERR");
});
