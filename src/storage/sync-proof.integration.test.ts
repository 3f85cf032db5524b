// Proof that KVStore acknowledges a write only after it is on disk: a child writes through
// KVStore under strace, and strace-check verifies, ack by ack, that an fdatasync of the
// write-ahead log came between the write of its record to the log and the ack. The control —
// LMDB with noSync, acknowledged at commit — must fail the same check on its data file.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { checkAcksFollowSyncs, type SyncProofReport } from "../../test/support/storage/strace-check.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const proofWriter = new URL("../../test/support/storage/sync-proof-writer.js", import.meta.url);
const WRITES = 300;
const IN_FLIGHT = 16;
const PAGE_BYTES = 4096;
const TRACED_CALLS = "openat,close,write,writev,pwrite64,pwritev,pwritev2,fdatasync,fsync,msync";
const TRACE_TIMEOUT_MS = 30_000;

/** Why strace cannot be used here, or null when it can. */
function straceUnavailable(): string | null {
  const probe = spawnSync("strace", ["-f", "-o", "/dev/null", "true"], { encoding: "utf8" });
  if (probe.error) return `strace is not installed (${probe.error.message})`;
  if (probe.status !== 0) return `strace cannot trace here: ${probe.stderr.trim()}`;
  return null;
}

/** Where each mode writes its data: the store's log segments, or the control's LMDB file. */
const DATA_FILE_SUFFIX = { store: ".log", unsynced: "/store.mdb" } as const;

function traceWriter(dir: string, mode: "store" | "unsynced"): SyncProofReport {
  const traceFile = join(dir, "trace.txt");
  const dataDir = join(dir, "data");
  const args = ["-f", "-ttt", "-T", "-v", "-s", "65536", "-o", traceFile, "-e", `trace=${TRACED_CALLS}`];
  const run = spawnSync("strace", [...args, process.execPath, proofWriter.pathname, dataDir, String(WRITES), String(IN_FLIGHT), mode], {
    encoding: "utf8",
    timeout: TRACE_TIMEOUT_MS,
  });
  assert.equal(run.status, 0, `the traced writer failed: ${run.stderr.slice(-2000)}`);
  return checkAcksFollowSyncs(readFileSync(traceFile, "utf8"), { dataFileSuffix: DATA_FILE_SUFFIX[mode], metaPages: false, pageBytes: PAGE_BYTES });
}

describe("KVStore acknowledges only what is synced (strace)", () => {
  const unavailable = straceUnavailable();
  const skip = unavailable === null ? false : `skipped: ${unavailable}`;

  it("every ack follows an fdatasync of the log that covers its record", { skip, timeout: 60_000 }, (t: TestContext) =>
    withTempDir(async (dir) => {
      const report = traceWriter(dir, "store");
      t.diagnostic(`acks=${report.acks} dataSyncs=${report.dataSyncs} metaWrites=${report.metaWrites} ackAfterSyncUs=${JSON.stringify(report.ackAfterSyncUs)}`);
      assert.equal(report.acks, WRITES);
      assert.deepEqual(report.violations, []);
      assert.ok(report.dataSyncs < WRITES / 2, `${WRITES} writes, ${IN_FLIGHT} in flight, took ${report.dataSyncs} syncs: no group commit`);
    }));

  it("the check catches acknowledgements that were never synced (control)", { skip, timeout: 60_000 }, () =>
    withTempDir(async (dir) => {
      const report = traceWriter(dir, "unsynced");
      assert.equal(report.acks, WRITES);
      assert.equal(report.dataSyncs, 0);
      assert.equal(report.violations.length, WRITES);
      assert.match(report.violations[0] ?? "", /^ACK \d+ at \d+us: no fdatasync\/fsync of the data file both started after its data write ended/);
    }));
});
