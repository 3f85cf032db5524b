// Replay of the write-ahead log on start: the records of every segment, oldest first, applied to
// LMDB in order (puts and deletes of whole values, so applying a record LMDB already holds changes
// nothing), then LMDB synced and the segments removed. Only the last segment may end in a torn
// record — a crash during its last group's write, whose records nobody was told were durable — and
// that tail is discarded; an older segment was whole when the next one started, so damage there
// is an error that stops the start rather than a silent loss.

import { decodeWalRecords, type WalOp } from "./wal-record.js";
import { listSegments, readSegment, removeSegments, segmentPath } from "./wal-file.js";
import { RingkvError } from "../shared/errors.js";

export interface ReplayReport {
  segments: number;
  records: number;
  bytes: number;
  /** Bytes of a torn last record (or group) discarded. */
  discardedBytes: number;
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
  const report = { segments: numbers.length, records: 0, bytes: 0, discardedBytes: 0 };
  numbers.forEach((number, index) => {
    const log = readSegment(dir, number);
    const { batches, validBytes } = decodeWalRecords(log);
    const tail = log.length - validBytes;
    if (tail > 0 && index < numbers.length - 1) {
      throw new RingkvError("ERR", `the write-ahead log segment ${segmentPath(dir, number)} is damaged at byte ${validBytes} of ${log.length}, `
        + "and later segments follow it: writes acknowledged after that point would be lost; restore the directory from a replica or backup");
    }
    target.apply(batches);
    report.records += batches.length;
    report.bytes += validBytes;
    report.discardedBytes += tail;
  });
  await target.sync();
  removeSegments(dir, numbers);
  const last = numbers[numbers.length - 1];
  return { ...report, nextSegment: last === undefined ? 1 : last + 1, durationMs: performance.now() - startedMs };
}
