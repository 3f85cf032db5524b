// The write-ahead log in front of the store (DESIGN.md, "Write-ahead log"): every write() batch is
// one record; group commit appends the records waiting as one frame (wal-record.ts) to the active
// segment and makes it durable with one fdatasync before the store applies it to LMDB, which
// syncs nothing itself. When the active segment passes segmentBytesMax a new one takes the
// appends, and in the background a checkpoint syncs LMDB (everything logged in the old segments
// is applied by then) and deletes the old segments. Appends wait only when the new segment fills
// before that checkpoint ends, so the log stays under about two segments.
//
// Failures: an append that finds no room (or a file-size limit) is cut back and refused as
// "full" — nothing of it counts and the next is tried again; a failed sync or cut-back, or a
// failed checkpoint, stops the log: every later append is refused with that error, and what is
// in the log is replayed on the next start (wal-replay.ts).

import { GroupCommit } from "./wal-group-commit.js";
import { encodeWalFrame } from "./wal-record.js";
import { removeSegments, WalAppendError, WalSegment } from "./wal-file.js";
import { fatalFailure, freeBytes, logAppendFailure, roomFailure, type StoreWriteError } from "./write-failure.js";

export interface WalOptions {
  /** Size past which the active segment is closed and checkpointed. */
  segmentBytesMax: number;
  /** Makes LMDB hold, durably, everything applied so far; throws if it cannot. */
  checkpoint: () => Promise<void>;
  /**
   * Refuse a group as "full" before writing it when the filesystem has less free than twice its
   * size and ROOM_RESERVE_BYTES (default true): LMDB must find room for the same writes after the
   * log took them, or the store stops. Off only to test an append that fails for room.
   */
  checkRoom?: boolean;
}

export interface WalStats {
  /** Groups made durable, each with one fdatasync. */
  syncs: number;
  /** Records (write() batches) made durable. */
  records: number;
  /** Bytes in the segments not yet checkpointed. */
  bytes: number;
  checkpoints: number;
}

/** Room left free on top of a group before its append, for LMDB's pages of the same writes. */
const ROOM_RESERVE_BYTES = 1024 * 1024;

export class Wal {
  private readonly group = new GroupCommit((records) => this.flush(records));
  /** Segments closed and not yet checkpointed, oldest first. */
  private closedSegments: WalSegment[] = [];
  private checkpointing: Promise<void> | null = null;
  private failure: StoreWriteError | null = null;
  private readonly counters = { syncs: 0, records: 0, checkpoints: 0 };

  private constructor(private readonly dir: string, private active: WalSegment, private readonly options: WalOptions) {}

  /** Starts a log in DIR with a new, empty segment numbered FIRSTNUMBER. */
  static async open(dir: string, firstNumber: number, options: WalOptions): Promise<Wal> {
    return new Wal(dir, await WalSegment.create(dir, firstNumber), options);
  }

  /** Resolves once RECORD is durable; rejects with a StoreWriteError otherwise. */
  append(record: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.group.append(record);
  }

  stats(): WalStats {
    const bytes = this.closedSegments.reduce((sum, segment) => sum + segment.size, this.active.size);
    return { ...this.counters, bytes };
  }

  /** Why the log refuses appends, or null. */
  get failed(): StoreWriteError | null {
    return this.failure;
  }

  /**
   * Flushes what is waiting, then (unless the log failed) checkpoints everything and removes every
   * segment, so that the next start has nothing to replay; closes the files. A failed log keeps
   * its segments for replay, and close() never waits on work that cannot end.
   */
  async close(): Promise<void> {
    await this.group.drained();
    await this.checkpointing;
    if (this.failure) {
      await this.active.close().catch(() => undefined);
      return;
    }
    this.closedSegments.push(this.active);
    await this.checkpoint();
  }

  private async flush(records: Buffer[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.active.size >= this.options.segmentBytesMax) await this.rotate();
    if (this.failure) throw this.failure;
    const frame = encodeWalFrame(records, this.active.size);
    const free = this.options.checkRoom === false ? Number.POSITIVE_INFINITY : freeBytes(this.dir);
    if (free < 2 * frame.length + ROOM_RESERVE_BYTES) {
      throw roomFailure(this.active.path, `${free} bytes free, fewer than twice the ${frame.length} bytes to write and ${ROOM_RESERVE_BYTES} more`);
    }
    try {
      await this.active.append(frame);
    } catch (error) {
      const appendError = error instanceof WalAppendError ? error : new WalAppendError(error, false);
      const failure = logAppendFailure(appendError.cause, this.active.path, appendError.cutBack);
      if (failure.kind !== "full") this.failure ??= failure;
      throw failure;
    }
    try {
      await this.active.sync();
    } catch (error) {
      // After a failed fdatasync the kernel may have dropped the dirty pages: nothing is known.
      this.failure ??= fatalFailure(this.active.path, `fdatasync: ${String((error as Error).message)}`, error);
      throw this.failure;
    }
    this.counters.syncs++;
    this.counters.records += records.length;
  }

  /** Closes the active segment, opens the next, and checkpoints the closed ones in the background. */
  private async rotate(): Promise<void> {
    await this.checkpointing; // a checkpoint still running: the new segment filled first
    if (this.failure) return;
    const old = this.active;
    try {
      this.active = await WalSegment.create(this.dir, old.number + 1);
    } catch (error) {
      this.failure ??= fatalFailure(old.path, `cannot start the next log segment: ${String((error as Error).message)}`, error);
      return;
    }
    this.closedSegments.push(old);
    this.checkpointing = this.checkpoint().finally(() => {
      this.checkpointing = null;
    });
  }

  private async checkpoint(): Promise<void> {
    const segments = [...this.closedSegments];
    try {
      // Closing is I/O: by its end, the store has queued to LMDB every batch logged in these
      // segments (it does so in the turn their group's sync resolves).
      for (const segment of segments) await segment.close().catch(() => undefined);
      await this.options.checkpoint();
      removeSegments(this.dir, segments.map((segment) => segment.number));
      this.closedSegments = this.closedSegments.filter((segment) => !segments.includes(segment));
      this.counters.checkpoints++;
    } catch (error) {
      // The segments stay, to be replayed on the next start; no later segment may be trimmed.
      this.failure ??= fatalFailure(segments[0]?.path ?? this.dir, `checkpoint: ${String((error as Error).message)}`, error);
    }
  }
}
