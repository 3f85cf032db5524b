import assert from "node:assert/strict";
import { test } from "node:test";
import { partitionOf } from "../ring.js";
import { bestEntry, differingRanges, RangeDigests, rangeCodeOfKey, rangeOfKey, REPAIR_RANGES, summarize } from "./range-digest.js";
import type { KeySummary, VersionedEntry } from "./types.js";

const PARTITIONS = 8;
const encoder = new TextEncoder();
const entry = (key: string, version: string, value: string | null): VersionedEntry => ({
  key: encoder.encode(key), version, value: value === null ? null : encoder.encode(value),
});

function replica(count = 200): VersionedEntry[] {
  return Array.from({ length: count }, (_, index) => entry(`key:${index}`, `1.${index + 1}`, index % 10 === 0 ? null : `value ${index}`));
}

function digestsOf(entries: readonly VersionedEntry[]): RangeDigests {
  const digests = new RangeDigests();
  for (const one of entries) digests.add(one, PARTITIONS);
  return digests;
}

/** Every (partition, range) whose digests differ between the two replicas. */
function differing(a: RangeDigests, b: RangeDigests): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let partition = 0; partition < PARTITIONS; partition += 1) for (const range of differingRanges(partition, [a, b])) found.push([partition, range]);
  return found;
}

function placeOf(one: VersionedEntry): [number, number] {
  return [partitionOf(one.key, PARTITIONS), rangeOfKey(one.key)];
}

test("equal replicas give equal digests, whatever order and however many chunks they were scanned in", () => {
  const entries = replica();
  const shuffled = [...entries].reverse();
  const chunked = new RangeDigests();
  for (let start = 0; start < shuffled.length; start += 17) {
    for (const digest of digestsOf(shuffled.slice(start, start + 17)).list()) chunked.merge(digest);
  }
  assert.deepEqual(differing(digestsOf(entries), digestsOf(shuffled)), []);
  assert.deepEqual(differing(digestsOf(entries), chunked), []);
});

test("one changed value, version, tombstone, missing or extra key: exactly its range differs", () => {
  const entries = replica();
  const changes: Array<[string, (list: VersionedEntry[]) => VersionedEntry]> = [
    ["a value", (list) => (list[5] = entry("key:5", "1.6", "damaged"))],
    ["a version", (list) => (list[7] = entry("key:7", "1.99", "value 7"))],
    ["a tombstone that came back as a value", (list) => (list[10] = entry("key:10", "1.11", "value 10"))],
    ["a value that became a tombstone", (list) => (list[11] = entry("key:11", "1.12", null))],
    ["a missing key", (list) => list.splice(42, 1)[0]!],
    ["an extra key", (list) => list[list.push(entry("extra", "1.500", "x")) - 1]!],
  ];
  for (const [what, change] of changes) {
    const other = [...entries];
    const changed = change(other);
    assert.deepEqual(differing(digestsOf(entries), digestsOf(other)), [placeOf(changed)], what);
  }
});

test("a range code names the key's partition and range", () => {
  const key = encoder.encode("some key");
  assert.equal(rangeCodeOfKey(key, PARTITIONS), partitionOf(key, PARTITIONS) * REPAIR_RANGES + rangeOfKey(key));
});

test("the right entry: the newest version; one version with different values goes to a strict majority; a tie to nobody", () => {
  const s = (version: string, value: string | null): KeySummary => summarize(entry("k", version, value));
  const best = (held: Array<KeySummary | undefined>) => bestEntry(held, "1.0");
  assert.deepEqual(best([s("1.2", "new"), s("1.1", "old"), undefined]), s("1.2", "new"), "newest wins over older and absent");
  assert.deepEqual(best([s("1.1", "v"), s("1.3", null)]), s("1.3", null), "a newer tombstone wins over a value");
  assert.deepEqual(best([s("2.1", "good"), s("2.1", "bad"), s("2.1", "good")]), s("2.1", "good"), "majority at one version");
  assert.equal(best([s("2.1", "a"), s("2.1", "b")]), null, "a tie is nobody's");
  assert.equal(best([s("2.1", "a"), s("2.1", "b"), s("1.1", "c")]), null, "no strict majority of all replicas");
  assert.equal(best([undefined, undefined]), undefined, "no replica holds it");
  assert.equal(best([s("10.1", "x"), s("9.5", "y")])?.version, "10.1", "versions compare as numbers");
});

test("a copy older than what tombstone collection may have dropped elsewhere needs a majority: it could be a deleted value come back", () => {
  const s = (version: string, value: string | null): KeySummary => summarize(entry("k", version, value));
  assert.equal(bestEntry([s("3.1", "zombie"), undefined, undefined], "3.5"), null, "one copy, two replicas that may have collected its deletion");
  assert.equal(bestEntry([s("3.1", "v"), undefined], "3.5"), null, "one of two");
  assert.deepEqual(bestEntry([s("3.1", "v"), s("3.1", "v"), undefined], "3.5"), s("3.1", "v"), "two of three: the third lost it");
  assert.deepEqual(bestEntry([s("3.7", "v"), undefined, undefined], "3.5"), s("3.7", "v"), "newer than any collected tombstone: still on its way");
});

test("a record that fails its checksum is a copy that differs, never the right one", () => {
  const good = entry("k", "2.1", "v");
  const damaged: VersionedEntry = { key: good.key, version: "2.1", value: null, damaged: true };
  const tombstone = entry("k", "2.1", null);
  assert.deepEqual(differing(digestsOf([good]), digestsOf([damaged])), [placeOf(good)]);
  assert.deepEqual(differing(digestsOf([tombstone]), digestsOf([damaged])), [placeOf(good)], "not taken for a tombstone");
  const best = (held: Array<KeySummary | undefined>) => bestEntry(held, "1.0");
  assert.deepEqual(best([summarize(damaged), summarize(good), summarize(good)]), summarize(good));
  assert.deepEqual(best([summarize(damaged), summarize(good)]), summarize(good), "one of two readable: that one");
  assert.equal(best([summarize(damaged), undefined]), null, "nothing readable to take");
});
