#!/usr/bin/env node
// Recovery time for a full write-ahead log: fills one log segment (--mib, default the store's
// 16 MiB) with single-key writes of --value-bytes, then opens a copy of the data directory as a
// power loss could leave it — LMDB as at its last checkpoint, the whole log — so that open()
// replays every record, and prints what it replayed and how long that took.
//
// Usage (after `npm run build`): node scripts/wal-replay-time.js [--mib 16] [--value-bytes 100] [--in-flight 64]
// A timing: run it on a quiet machine (docs/BENCHMARKS.md); a tiny --mib checks it works.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DATA_DIR_FILES } from "../dist/src/storage/data-dir.js";
import { KVStore } from "../dist/src/storage/kv-store.js";
import { listSegments, segmentPath } from "../dist/src/storage/wal-file.js";

const { values } = parseArgs({
  options: { mib: { type: "string", default: "16" }, "value-bytes": { type: "string", default: "100" }, "in-flight": { type: "string", default: "64" } },
});
const logBytes = Number(values.mib) * 1024 * 1024;
const value = Buffer.alloc(Number(values["value-bytes"]), 0x76);
const inFlight = Number(values["in-flight"]);

const root = mkdtempSync(join(tmpdir(), "ringkv-wal-replay-"));
try {
  const live = join(root, "live");
  // A segment one byte larger than the log to fill, so that no checkpoint trims it.
  const options = { kind: "node", walSegmentBytesMax: logBytes + 1, scrub: { bytesPerSecond: 0 } };
  await (await KVStore.open(live, options)).close();
  const checkpointed = readFileSync(join(live, DATA_DIR_FILES.store));
  const store = await KVStore.open(live, options);
  let next = 0;
  const fillStartedMs = performance.now();
  while (store.stats().wal.bytes < logBytes) {
    await Promise.all(Array.from({ length: inFlight }, () => store.write([{ db: "data", key: Buffer.from(`key:${next++}`), value }])));
  }
  const fillMs = performance.now() - fillStartedMs;
  const crashed = join(root, "crashed");
  mkdirSync(crashed, { mode: 0o700 });
  copyFileSync(join(live, DATA_DIR_FILES.marker), join(crashed, DATA_DIR_FILES.marker));
  writeFileSync(join(crashed, DATA_DIR_FILES.store), checkpointed, { mode: 0o600 });
  for (const number of listSegments(live)) copyFileSync(segmentPath(live, number), segmentPath(crashed, number));
  await store.close();

  const openStartedMs = performance.now();
  const recovered = await KVStore.open(crashed, options);
  const openMs = performance.now() - openStartedMs;
  const { replay } = recovered.stats();
  const keys = recovered.count("data");
  await recovered.close();
  if (keys !== next) throw new Error(`replay restored ${keys} keys of ${next}`);
  console.log(JSON.stringify({
    logMiB: Math.round((replay.bytes / 1024 / 1024) * 10) / 10,
    records: replay.records,
    replayMs: Math.round(replay.durationMs),
    openMs: Math.round(openMs),
    replayMiBPerS: Math.round(replay.bytes / 1024 / 1024 / (replay.durationMs / 1000)),
    fillMs: Math.round(fillMs),
  }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
