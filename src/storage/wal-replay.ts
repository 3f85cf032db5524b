// Replay of the write-ahead log on start: the records of every segment, oldest first, applied to
// LMDB in order (puts and deletes of whole values, so applying a record LMDB already holds changes
// nothing), then LMDB synced and the segments removed. Only the last group of the last segment may
// be torn — a crash during its write, before the sync that would have acknowledged it — and it is
// discarded (and said so). Anything else that fails its checksum is damage to a group that was
// synced (wal-record.ts tells them apart): it stops the start with an error naming the file and
// the byte, and the log is left as it is, rather than dropping acknowledged writes.

import { decodeWalFrames, type WalOp } from "./wal-record.js";
import { listSegments, readSegment, removeSegments, segmentPath } from "./wal-file.js";
import { RingkvError } from "../shared/errors.js";

export interface ReplayReport {
  segments: number;
  records: number;
  bytes: number;
  /** Bytes of a torn last group discarded, and the segment they ended. */
  discardedBytes: number;
  discardedFrom: string | null;
  /** The number the next segment takes. */
  nextSegment: number;
  durationMs: number;
}

export interface ReplayTarget {
  /** Applies BATCHES in order, in one or more transactions, without syncing. */
  apply(batches: WalOp[][]): void;
  /** Makes everything applied durable. */
  sync(): Promise<void>;
}

export async function replayWal(dir: string, target: ReplayTarget): Promise<ReplayReport> {
  const startedMs = performance.now();
  const numbers = listSegments(dir);
  const report = { segments: numbers.length, records: 0, bytes: 0, discardedBytes: 0, discardedFrom: null as string | null };
  const decoded = numbers.map((number, index) => {
    const log = readSegment(dir, number);
    const { batches, validBytes, damage } = decodeWalFrames(log);
    const path = segmentPath(dir, number);
    if (validBytes < log.length && (damage !== null || index < numbers.length - 1)) {
      throw new RingkvError("ERR", `the write-ahead log segment ${path} is damaged at byte ${validBytes} of ${log.length} `
        + `(${damage ?? "later segments follow it"}): a write acknowledged after that point would be lost; `
        + "restore the directory from a replica or backup (the log is left as it is)");
    }
    if (validBytes < log.length) {
      report.discardedBytes = log.length - validBytes;
      report.discardedFrom = path;
    }
    report.bytes += validBytes;
    return batches;
  });
  for (const batches of decoded) {
    target.apply(batches);
    report.records += batches.length;
  }
  await target.sync();
  removeSegments(dir, numbers);
  const last = numbers[numbers.length - 1];
  return { ...report, nextSegment: last === undefined ? 1 : last + 1, durationMs: performance.now() - startedMs };
}

/** KVStore's onReplayed that logs what replay found (any pino-like logger). */
export function replayLoggingTo(logger: { info(fields: object, message: string): void; warn(fields: object, message: string): void }): (report: ReplayReport) => void {
  return (report) => {
    if (report.discardedFrom !== null) {
      logger.warn({ file: report.discardedFrom, bytes: report.discardedBytes },
        "dropped a torn last group at the end of the write-ahead log: a crash came during its write, before the sync that would have acknowledged it");
    }
    if (report.records > 0) {
      logger.info({ records: report.records, bytes: report.bytes, segments: report.segments, ms: Math.round(report.durationMs) },
        "replayed the write-ahead log into the store");
    }
  };
}
