// KVStore: the durable store of a ringkv process, on LMDB (the lmdb package).
//
// Durability: a write() resolves only after its batch is on stable storage in the write-ahead
// log (wal.ts): the batch is one log record, made durable by group commit — one fdatasync for
// every record waiting — and only then applied to LMDB, which is opened with noSync and so
// writes its pages without syncing them; the log's checkpoints sync LMDB in the background and
// trim the log, and open() replays what the log holds (wal-replay.ts). LMDB's overlappingSync is
// not used: lmdb-js never settles close() after a commit failed in that mode.
// sync-proof.integration.test.ts checks with strace, ack by ack, that a sync of the log covering
// the data came first. Readers see a batch only once it is durable (it reaches LMDB after its sync).
// lmdb-js does not bound its queue of batches, so write() does.
//
// Faults of the disk: every record carries a checksum verified on every read (record-checksum.ts):
// a damaged record is an error naming its key and the file, never a wrong value, and a background
// scrub (scrub.ts) walks the whole store at a bounded rate to find damage before a read does. A
// write that fails for room ("disk full") leaves the store as it was and the next write is tried
// again; any other failed write stops the store taking writes until a restart (write-failure.ts).

import { open, type Database, type RootDatabase } from "lmdb";
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { RingkvError } from "../shared/errors.js";
import { DEFAULT_LIMITS, recordBytesMax, type Limits } from "../shared/limits.js";
import { addChecksums, UPGRADE_PROGRESS_KEY } from "./checksum-upgrade.js";
import { checkDataDir, DATA_DIR_FILES, messageOf, PRIVATE_FILE_MODE, writeMarker, type DataDirUse, type ProcessKind } from "./data-dir.js";
import { acquireDirLock, type DirLock } from "./dir-lock.js";
import { checkLmdbFile } from "./lmdb-file-check.js";
import { CorruptRecordError, openRecord, sealRecord } from "./record-checksum.js";
import { Scrub, type ScrubOptions, type ScrubStats } from "./scrub.js";
import { Wal, type WalStats } from "./wal.js";
import { encodeWalRecord, type WalOp } from "./wal-record.js";
import { replayWal, type ReplayReport } from "./wal-replay.js";
import { commitFailure, fatalFailure, handleCommitEchoes, StoreWriteError } from "./write-failure.js";

/** data: user keys; meta: this process's own state (node id, epoch...); txn: 2PC records. */
/** "versions": a cluster node's version of every key it holds or deleted (PROTOCOL.md, catch-up). */
export type SubDb = "data" | "meta" | "txn" | "versions";
export const SUB_DBS: readonly SubDb[] = ["data", "meta", "txn", "versions"];

/** One operation of a write() batch; a null value deletes the key. */
export interface StoreWrite {
  db: SubDb;
  key: Uint8Array;
  value: Uint8Array | null;
}

export interface KVStoreOptions {
  kind: ProcessKind;
  /** Initial size of LMDB's memory map (address space, not disk); lmdb-js grows it as needed. */
  mapSizeBytes?: number;
  /** The process's limits (default: DEFAULT_LIMITS): keys up to keyBytesMax, values in "data" up
   * to valueBytesMax, and the records of the other sub-databases up to recordBytesMax(limits),
   * so that every record the largest accepted request makes fits. */
  limits?: Limits;
  /** Largest value in "data", when it is not limits.valueBytesMax (a standalone node stores
   * each value behind a few bytes of its own). */
  valueBytesMax?: number;
  /** Most write() calls in flight at once; more are refused with TRYAGAIN. */
  batchesInFlightMax?: number;
  /** The background scrub: its pace, and whom to tell of a damaged record (default: a steady
   * pace, told to nobody but stats()). bytesPerSecond 0 turns it off. */
  scrub?: Partial<ScrubOptions>;
  /** Size of a write-ahead log segment: past it, LMDB is checkpointed and the log trimmed. */
  walSegmentBytesMax?: number;
  /** Told what open() replayed from the log, a torn last group dropped included (the process logs it: replayLoggingTo). */
  onReplayed?: (report: ReplayReport) => void;
}

export interface KVStoreStats {
  /** Put and delete operations acknowledged (durable). */
  writes: number;
  /** write() calls acknowledged. */
  batches: number;
  /** Groups of writes made durable since open; each one is exactly one fdatasync of the log. */
  commits: number;
  /** Key and value bytes acknowledged. */
  bytesWritten: number;
  /** write() calls issued and not yet acknowledged or failed. */
  batchesInFlight: number;
  /** Why the store refuses writes, after a commit that failed for another reason than room; null while it takes them. */
  failure: string | null;
  /** Writes that failed for lack of room since open (the store took writes again after each). */
  writesFailedFull: number;
  /** Damaged records found, by reads and by the scrub. */
  corruptRecordsFound: number;
  scrub: ScrubStats;
  /** Size of the LMDB data file on disk. */
  fileBytes: number;
  mapSizeBytes: number;
  wal: WalStats;
  /** What open() found in the log and replayed. */
  replay: ReplayReport;
}

const DEFAULT_MAP_SIZE_BYTES = 256 * 1024 * 1024;
/** lmdb-js queues batched writes without a bound of its own; callers keep far fewer in flight. */
const DEFAULT_BATCHES_IN_FLIGHT_MAX = 16_384;
/** Small enough that replaying a full log takes seconds at most (scripts/wal-replay-time.js), large enough that checkpoints are rare. */
const DEFAULT_WAL_SEGMENT_BYTES_MAX = 16 * 1024 * 1024;
/** Log records applied per LMDB transaction on replay. */
const REPLAY_BATCHES_PER_TXN = 10_000;

/**
 * LMDB refuses empty keys, and Redis allows them; every stored key is the user's key behind
 * this one byte, so the empty key is stored as one byte.
 */
const KEY_TAG = 0x6b;

/** Data directories with an open store in this process: a second open is a bug. */
const openDirs = new Set<string>();

interface StoreLimits {
  keyBytesMax: number;
  /** Largest value of each sub-database: a user's value in "data", a record elsewhere. */
  valueBytesMax: Readonly<Record<SubDb, number>>;
  batchesInFlightMax: number;
}

interface LmdbStats {
  entryCount: number;
  lastTxnId: number;
  mapSize: number;
}

export class KVStore {
  private readonly counters = { writes: 0, batches: 0, bytesWritten: 0, batchesInFlight: 0, writesFailedFull: 0, corruptRecordsFound: 0 };
  private failure: StoreWriteError | null = null;
  private closed = false;
  private readonly scrub: Scrub<SubDb>;
  /** Settles once the last batch queued to LMDB has committed or failed (and its failure is recorded). */
  private lastApplied: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly path: string,
    private readonly root: RootDatabase<Buffer, Buffer>,
    private readonly dbs: Readonly<Record<SubDb, Database<Buffer, Buffer>>>,
    private readonly lock: DirLock,
    private readonly limits: StoreLimits,
    private readonly wal: Wal,
    private readonly replay: ReplayReport,
    scrubOptions: Partial<ScrubOptions> = {},
  ) {
    this.scrub = new Scrub(SUB_DBS, (db, after, bytesMax) => this.verifyRange(db, after, bytesMax), scrubOptions);
    this.scrub.start();
  }

  /**
   * Opens (creating it if missing or empty) the data directory DIR for a process of this kind.
   * Refuses, changing nothing, a directory that is not ringkv's, one of another kind or format
   * version, one locked by another live process, and a data file that is not sound LMDB.
   */
  static async open(dir: string, options: KVStoreOptions): Promise<KVStore> {
    const processLimits = options.limits ?? DEFAULT_LIMITS;
    const recordMax = recordBytesMax(processLimits);
    const limits: StoreLimits = {
      keyBytesMax: processLimits.keyBytesMax,
      valueBytesMax: { data: options.valueBytesMax ?? processLimits.valueBytesMax, meta: recordMax, txn: recordMax, versions: recordMax },
      batchesInFlightMax: options.batchesInFlightMax ?? DEFAULT_BATCHES_IN_FLIGHT_MAX,
    };
    const dirState = checkDataDir(dir, options.kind);
    const lock = await acquireDirLock(dir);
    try {
      if (openDirs.has(lock.dir)) throw new Error(`${dir} is already open in this process`);
      const path = join(lock.dir, DATA_DIR_FILES.store);
      if (dirState === "existing") checkLmdbFile(path);
      const { root, dbs, keyBytesMax } = openLmdb(path, options.mapSizeBytes ?? DEFAULT_MAP_SIZE_BYTES);
      // LMDB creates its files with the process's umask; they hold every key and value.
      for (const name of [DATA_DIR_FILES.store, DATA_DIR_FILES.storeLock]) chmodSync(join(lock.dir, name), PRIVATE_FILE_MODE);
      try {
        if (keyBytesMax < limits.keyBytesMax) {
          throw new RingkvError("ERR", `keyBytesMax is ${limits.keyBytesMax}, but this LMDB takes keys of at most ${keyBytesMax} bytes`);
        }
        await settleFormat(dirState, lock.dir, options.kind, root, dbs);
        const replay = await replayWal(lock.dir, { apply: (batches) => applySync(root, dbs, batches), sync: () => syncLmdb(root) });
        options.onReplayed?.(replay);
        const opened: { store?: KVStore } = {}; // the log's checkpoints need the store it is made for
        const wal = await Wal.open(lock.dir, replay.nextSegment, {
          segmentBytesMax: options.walSegmentBytesMax ?? DEFAULT_WAL_SEGMENT_BYTES_MAX,
          checkpoint: async () => opened.store?.checkpoint(),
        });
        openDirs.add(lock.dir);
        opened.store = new KVStore(lock.dir, path, root, dbs, lock, limits, wal, replay, options.scrub);
        return opened.store;
      } catch (error) {
        await root.close();
        throw error;
      }
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * The committed — and so durable — value of KEY, read synchronously from the map. Throws a
   * CorruptRecordError (naming the key and the file) when the record fails its checksum.
   */
  get(db: SubDb, key: Uint8Array): Buffer | undefined {
    this.assertOpen();
    if (key.length > this.limits.keyBytesMax) return undefined; // could never have been stored
    const stored = storedKey(key);
    let record: Buffer | undefined;
    try {
      record = this.dbs[db].get(stored);
    } catch (error) {
      throw this.readFailure(db, error);
    }
    return record === undefined ? undefined : this.open(db, stored, record);
  }

  /** How many keys DB holds, from LMDB's page statistics (constant time). */
  count(db: SubDb): number {
    this.assertOpen();
    return lmdbStats(this.dbs[db]).entryCount;
  }

  /** Every [key, value] of DB in key order (after AFTER, when given), from one read snapshot;
   * lazy. A damaged record throws a CorruptRecordError when the iteration reaches it. */
  *entries(db: SubDb, after?: Uint8Array): Iterable<[Buffer, Buffer]> {
    for (const [key, value] of this.entriesOrDamaged(db, after)) {
      if (value instanceof CorruptRecordError) throw value;
      yield [key, value];
    }
  }

  /**
   * Like entries(), for a scan that must go on past damage: a damaged record is given as its
   * CorruptRecordError (counted, as every one found) in place of its value.
   */
  *entriesOrDamaged(db: SubDb, after?: Uint8Array): Iterable<[Buffer, Buffer | CorruptRecordError]> {
    this.assertOpen();
    for (const { key, value } of this.records(db, after === undefined ? undefined : storedKey(after))) {
      yield [key.subarray(1), this.openOrDamaged(db, key, value)];
    }
  }

  /** The stored records of DB after stored key START, without the store's own notes (checksum-upgrade.ts). */
  private *records(db: SubDb, start: Buffer | undefined): Iterable<{ key: Buffer; value: Buffer }> {
    try {
      for (const record of this.dbs[db].getRange(start === undefined ? {} : { start })) {
        if (start !== undefined && record.key.equals(start)) continue;
        if (record.key[0] !== KEY_TAG) continue;
        yield record;
      }
    } catch (error) {
      throw this.readFailure(db, error);
    }
  }

  /** A record's value, its checksum verified; a damaged one is counted and thrown. */
  private open(db: SubDb, stored: Buffer, record: Buffer): Buffer {
    const value = this.openOrDamaged(db, stored, record);
    if (value instanceof CorruptRecordError) throw value;
    return value;
  }

  /** A record's value, its checksum verified; a damaged one is counted and returned as its error. */
  private openOrDamaged(db: SubDb, stored: Buffer, record: Buffer): Buffer | CorruptRecordError {
    try {
      return openRecord(stored, record, { db, file: this.path });
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      this.counters.corruptRecordsFound++;
      return error;
    }
  }

  /**
   * The scrub's step: verifies the records of DB after stored key AFTER, about BYTESMAX bytes of
   * them; returns the last key looked at (undefined once the sub-database is done) and the
   * damaged records found.
   */
  private verifyRange(db: SubDb, after: Buffer | undefined, bytesMax: number): { last: Buffer | undefined; corrupt: CorruptRecordError[] } {
    if (this.closed) return { last: undefined, corrupt: [] };
    const corrupt: CorruptRecordError[] = [];
    let bytes = 0;
    for (const { key, value } of this.records(db, after)) {
      const opened = this.openOrDamaged(db, key, value);
      if (opened instanceof CorruptRecordError) corrupt.push(opened);
      bytes += key.length + value.length;
      if (bytes >= bytesMax) return { last: Buffer.from(key), corrupt };
    }
    return { last: undefined, corrupt };
  }

  /** A read LMDB itself could not do (a page it finds damaged): an error naming the file. */
  private readFailure(db: SubDb, error: unknown): RingkvError {
    if (error instanceof RingkvError) return error;
    return new RingkvError("ERR", `cannot read the ${db} sub-database of ${this.path}: ${messageOf(error)}`, { cause: error });
  }

  /**
   * Applies every operation of BATCH in one LMDB transaction, atomically across sub-databases,
   * and resolves once that transaction is on stable storage. A rejection is a StoreWriteError
   * whose `kind` says what happened (write-failure.ts): "invalid" (refused before anything was
   * queued), "full" (nothing applied; the next write is tried again) or "failed" (the store
   * refuses every later write until the process restarts). Past batchesInFlightMax, TRYAGAIN.
   */
  async write(batch: readonly StoreWrite[]): Promise<void> {
    this.assertWritable();
    let bytes = 0;
    for (const op of batch) bytes += this.checkWrite(op);
    if (batch.length === 0) return;
    if (this.counters.batchesInFlight >= this.limits.batchesInFlightMax) {
      throw new RingkvError("TRYAGAIN", `${this.counters.batchesInFlight} writes are in flight, the limit is ${this.limits.batchesInFlightMax}; retry shortly`);
    }
    const record = encodeWalRecord(batch.map((op) => ({ db: SUB_DBS.indexOf(op.db), key: op.key, value: op.value })));
    this.counters.batchesInFlight++;
    try {
      await this.logged(record);
      // In the turn the log's sync resolved, so batches reach LMDB in log order.
      await this.apply(batch);
    } finally {
      this.counters.batchesInFlight--;
    }
    this.counters.writes += batch.length;
    this.counters.batches++;
    this.counters.bytesWritten += bytes;
  }

  /** Appends RECORD to the log; resolves once it is durable. */
  private async logged(record: Buffer): Promise<void> {
    try {
      await this.wal.append(record);
    } catch (error) {
      if (!(error instanceof StoreWriteError)) throw error;
      if (error.kind === "full") this.counters.writesFailedFull++;
      else this.failure ??= error;
      throw this.failure ?? error;
    }
  }

  /** Queues BATCH, already durable in the log, to LMDB (synchronously) and resolves once it is committed there. */
  private apply(batch: readonly StoreWrite[]): Promise<void> {
    const committed = this.root.batch(() => {
      // Each operation's own promise rejects too when the commit fails: the batch's carries
      // the failure, so these are handled here (left alone they would end the process).
      for (const op of batch) {
        const key = storedKey(op.key);
        if (op.value === null) this.dbs[op.db].remove(key).catch(ignore);
        else this.dbs[op.db].put(key, sealRecord(key, asBuffer(op.value))).catch(ignore);
      }
    });
    handleCommitEchoes(this.root);
    const applied = committed.then(ignore, async (error: unknown) => {
      throw await this.applyFailed(error);
    });
    this.lastApplied = applied.catch(ignore);
    return applied;
  }

  /**
   * The log's checkpoint: once every batch logged so far is committed to LMDB, syncs LMDB, after
   * which the log before this point is not needed. Throws when LMDB failed a batch (the log keeps it).
   */
  private async checkpoint(): Promise<void> {
    await this.lastApplied;
    if (this.failure) throw this.failure;
    await syncLmdb(this.root);
  }

  stats(): KVStoreStats {
    const lmdb = this.closed ? undefined : lmdbStats(this.root);
    const wal = this.wal.stats();
    return {
      ...this.counters,
      commits: wal.syncs,
      wal,
      replay: this.replay,
      failure: this.failure?.message ?? null,
      fileBytes: statSync(this.path).size,
      mapSizeBytes: lmdb?.mapSize ?? 0,
      scrub: this.scrub.stats(),
    };
  }

  /** Waits for writes in flight, checkpoints (unless a write failed), closes LMDB and releases the directory lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scrub.stop();
    try {
      await this.wal.close();
      await this.lastApplied;
      await this.root.close();
    } finally {
      openDirs.delete(this.dir);
      this.lock.release();
    }
  }

  /** Validates one operation; returns its size in bytes. */
  private checkWrite(op: StoreWrite): number {
    if (!SUB_DBS.includes(op.db)) throw new StoreWriteError("invalid", `unknown sub-database ${JSON.stringify(op.db)}`);
    if (op.key.length > this.limits.keyBytesMax) {
      throw new StoreWriteError("invalid", `key is ${op.key.length} bytes, the limit is ${this.limits.keyBytesMax} bytes`);
    }
    const valueBytes = op.value?.length ?? 0;
    const valueBytesMax = this.limits.valueBytesMax[op.db];
    if (valueBytes > valueBytesMax) {
      const what = op.db === "data" ? "value" : `${op.db} record`;
      throw new StoreWriteError("invalid", `${what} is ${valueBytes} bytes, the limit is ${valueBytesMax} bytes`);
    }
    return op.key.length + valueBytes;
  }

  /**
   * A batch already durable in the log that LMDB failed to commit: even for room, the store stops
   * taking writes (the log holds the batch; the next start replays it into LMDB).
   */
  private async applyFailed(error: unknown): Promise<StoreWriteError> {
    const failure = await commitFailure(error, this.path, this.dir);
    this.failure ??= failure.kind === "failed" ? failure : fatalFailure(this.path, messageOf(failure.cause ?? failure), failure.cause);
    return this.failure;
  }

  private assertOpen(): void {
    if (this.closed) throw new RingkvError("TRYAGAIN", `the store in ${this.dir} is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure) throw this.failure;
  }
}

interface OpenedLmdb {
  root: RootDatabase<Buffer, Buffer>;
  dbs: Record<SubDb, Database<Buffer, Buffer>>;
  /** The longest user key LMDB can take, after our tag byte. */
  keyBytesMax: number;
}

function openLmdb(path: string, mapSizeBytes: number): OpenedLmdb {
  let root: RootDatabase<Buffer, Buffer> | undefined;
  try {
    root = open({ path, noSync: true, overlappingSync: false, maxDbs: SUB_DBS.length, mapSize: mapSizeBytes });
    const opened = root;
    const openSubDb = (name: SubDb) => opened.openDB<Buffer, Buffer>(name, { encoding: "binary", keyEncoding: "binary" });
    const dbs = { data: openSubDb("data"), meta: openSubDb("meta"), txn: openSubDb("txn"), versions: openSubDb("versions") };
    // lmdb-js sets maxKeySize on every store it opens; it is not in its type declarations.
    const lmdbKeyBytesMax = (root as unknown as { maxKeySize: number }).maxKeySize;
    return { root, dbs, keyBytesMax: lmdbKeyBytesMax - 1 };
  } catch (error) {
    void root?.close();
    throw new RingkvError("ERR", `cannot open the data file ${path}: ${messageOf(error)}`, { cause: error });
  }
}

function ignore(): void {}

/** Applies replayed log records to LMDB, without syncing (replayWal syncs once at its end). */
function applySync(root: RootDatabase<Buffer, Buffer>, dbs: Readonly<Record<SubDb, Database<Buffer, Buffer>>>, batches: readonly WalOp[][]): void {
  for (let first = 0; first < batches.length; first += REPLAY_BATCHES_PER_TXN) {
    root.transactionSync(() => {
      for (const ops of batches.slice(first, first + REPLAY_BATCHES_PER_TXN)) {
        for (const op of ops) {
          const name = SUB_DBS[op.db];
          if (name === undefined) throw new RingkvError("ERR", `a write-ahead log record names sub-database ${op.db}, which this version does not know`);
          const key = storedKey(op.key);
          if (op.value === null) dbs[name].removeSync(key);
          else dbs[name].putSync(key, sealRecord(key, asBuffer(op.value)));
        }
      }
    });
  }
}

/** fdatasync of LMDB's file, for a store opened with noSync (lmdb-js's sync is not in its type declarations). */
function syncLmdb(root: RootDatabase<Buffer, Buffer>): Promise<void> {
  const env = root as unknown as { sync(callback: (error?: unknown) => void): void };
  return new Promise((resolve, reject) => env.sync((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));
}

/**
 * Brings an existing directory to this build's format, or marks a new one (last: a marker vouches
 * for a created store); an older directory's records get their checksums first.
 */
async function settleFormat(
  use: DataDirUse, dir: string, kind: ProcessKind, root: RootDatabase<Buffer, Buffer>, dbs: Readonly<Record<SubDb, Database<Buffer, Buffer>>>,
): Promise<void> {
  if (use === "existing") {
    chmodSync(join(dir, DATA_DIR_FILES.marker), PRIVATE_FILE_MODE); // made by an older version, perhaps
    return;
  }
  if (use === "older") await addChecksums(root, dbs);
  writeMarker(dir, kind);
  // Only now, with the marker saying so: an upgrade whose note was gone would start over.
  if (use === "older") await dbs.meta.remove(UPGRADE_PROGRESS_KEY);
}

function storedKey(key: Uint8Array): Buffer {
  const stored = Buffer.allocUnsafe(key.length + 1);
  stored[0] = KEY_TAG;
  stored.set(key, 1);
  return stored;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function lmdbStats(db: Database<Buffer, Buffer>): LmdbStats {
  const stats = db.getStats() as Partial<LmdbStats>;
  const { entryCount, lastTxnId, mapSize } = stats;
  if (typeof entryCount !== "number" || typeof lastTxnId !== "number" || typeof mapSize !== "number") {
    throw new Error("lmdb getStats() lacks entryCount, lastTxnId or mapSize");
  }
  return { entryCount, lastTxnId, mapSize };
}
