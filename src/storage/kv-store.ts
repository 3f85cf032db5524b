// KVStore: the durable store of a ringkv process, on LMDB (the lmdb package).
//
// Durability: a write() resolves only after its transaction is on stable storage. LMDB is
// opened with overlappingSync OFF, so a commit writes the dirty pages, fdatasyncs the file,
// then writes the meta page through an O_DSYNC descriptor, and only then resolves its
// promise. (With overlappingSync on — lmdb-js's default on Linux — the promise is documented
// to resolve at commit, before the flush; one must also await `flushed`.) sync-proof.integration.test.ts
// checks with strace, ack by ack, that a sync covering the data came first.
// Why this mode: with many writers in flight both modes do one fdatasync per commit and
// measured the same throughput (test/measure/sync-mode-bench.ts); this one needs one promise, not two,
// and keeps LMDB's plain two-meta-page format, with no boot-id rule for picking a snapshot.
//
// Group commit: lmdb-js commits every write queued while a commit is in flight together in
// the next transaction, so N concurrent write() calls cost far fewer than N fdatasyncs;
// stats() counts both. lmdb-js does not bound that queue for batches, so write() does.

import { open, type Database, type RootDatabase } from "lmdb";
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { RingkvError } from "../shared/errors.js";
import { DEFAULT_LIMITS, recordBytesMax, type Limits } from "../shared/limits.js";
import { checkDataDir, DATA_DIR_FILES, messageOf, PRIVATE_FILE_MODE, writeMarker, type ProcessKind } from "./data-dir.js";
import { acquireDirLock, type DirLock } from "./dir-lock.js";
import { checkLmdbFile } from "./lmdb-file-check.js";

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
}

export interface KVStoreStats {
  /** Put and delete operations acknowledged (durable). */
  writes: number;
  /** write() calls acknowledged. */
  batches: number;
  /** LMDB transactions committed since open; each one is exactly one fdatasync. */
  commits: number;
  /** Key and value bytes acknowledged. */
  bytesWritten: number;
  /** write() calls issued and not yet acknowledged or failed. */
  batchesInFlight: number;
  /** Why the store refuses writes, after a failed commit; null while healthy. */
  failure: string | null;
  /** Size of the LMDB data file on disk. */
  fileBytes: number;
  mapSizeBytes: number;
}

const DEFAULT_MAP_SIZE_BYTES = 256 * 1024 * 1024;
/** lmdb-js queues batched writes without a bound of its own; callers keep far fewer in flight. */
const DEFAULT_BATCHES_IN_FLIGHT_MAX = 16_384;

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
  private readonly counters = { writes: 0, batches: 0, bytesWritten: 0, batchesInFlight: 0 };
  private readonly firstTxnId: number;
  private failure: RingkvError | null = null;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly path: string,
    private readonly root: RootDatabase<Buffer, Buffer>,
    private readonly dbs: Readonly<Record<SubDb, Database<Buffer, Buffer>>>,
    private readonly lock: DirLock,
    private readonly limits: StoreLimits,
  ) {
    this.firstTxnId = lmdbStats(root).lastTxnId;
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
        if (dirState === "new") writeMarker(lock.dir, options.kind); // last: a marker vouches for a created store
        else chmodSync(join(lock.dir, DATA_DIR_FILES.marker), PRIVATE_FILE_MODE); // made by an older version, perhaps
      } catch (error) {
        await root.close();
        throw error;
      }
      openDirs.add(lock.dir);
      return new KVStore(lock.dir, path, root, dbs, lock, limits);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The committed — and so durable — value of KEY, read synchronously from the map. */
  get(db: SubDb, key: Uint8Array): Buffer | undefined {
    this.assertOpen();
    if (key.length > this.limits.keyBytesMax) return undefined; // could never have been stored
    return this.dbs[db].get(storedKey(key));
  }

  /** How many keys DB holds, from LMDB's page statistics (constant time). */
  count(db: SubDb): number {
    this.assertOpen();
    return lmdbStats(this.dbs[db]).entryCount;
  }

  /** Every [key, value] of DB in key order (after AFTER, when given), from one read snapshot; lazy. */
  *entries(db: SubDb, after?: Uint8Array): Iterable<[Buffer, Buffer]> {
    this.assertOpen();
    const start = after === undefined ? undefined : storedKey(after);
    for (const { key, value } of this.dbs[db].getRange(start === undefined ? {} : { start })) {
      if (start !== undefined && key.equals(start)) continue;
      yield [key.subarray(1), value];
    }
  }

  /**
   * Applies every operation of BATCH in one LMDB transaction, atomically across sub-databases,
   * and resolves once that transaction is on stable storage. Invalid operations reject the
   * whole batch before anything is queued. After a failed commit the store refuses all writes:
   * what reached the disk is then unknown, so the process must restart and recover.
   */
  async write(batch: readonly StoreWrite[]): Promise<void> {
    this.assertWritable();
    let bytes = 0;
    for (const op of batch) bytes += this.checkWrite(op);
    if (batch.length === 0) return;
    if (this.counters.batchesInFlight >= this.limits.batchesInFlightMax) {
      throw new RingkvError("TRYAGAIN", `${this.counters.batchesInFlight} writes are in flight, the limit is ${this.limits.batchesInFlightMax}; retry shortly`);
    }
    const ops = batch.map((op) => ({ db: this.dbs[op.db], key: storedKey(op.key), value: op.value && asBuffer(op.value) }));
    this.counters.batchesInFlight++;
    try {
      await this.root.batch(() => {
        for (const op of ops) {
          if (op.value === null) void op.db.remove(op.key);
          else void op.db.put(op.key, op.value);
        }
      });
    } catch (error) {
      throw this.fail(await commitFailureDetail(error), error);
    } finally {
      this.counters.batchesInFlight--;
    }
    this.counters.writes += batch.length;
    this.counters.batches++;
    this.counters.bytesWritten += bytes;
  }

  stats(): KVStoreStats {
    const lmdb = this.closed ? undefined : lmdbStats(this.root);
    return {
      ...this.counters,
      commits: lmdb ? lmdb.lastTxnId - this.firstTxnId : 0,
      failure: this.failure?.message ?? null,
      fileBytes: statSync(this.path).size,
      mapSizeBytes: lmdb?.mapSize ?? 0,
    };
  }

  /** Waits for writes in flight, closes LMDB and releases the directory lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.root.close();
    } finally {
      openDirs.delete(this.dir);
      this.lock.release();
    }
  }

  /** Validates one operation; returns its size in bytes. */
  private checkWrite(op: StoreWrite): number {
    if (!SUB_DBS.includes(op.db)) throw new Error(`unknown sub-database ${JSON.stringify(op.db)}`);
    if (op.key.length > this.limits.keyBytesMax) {
      throw new RingkvError("ERR", `key is ${op.key.length} bytes, the limit is ${this.limits.keyBytesMax} bytes`);
    }
    const valueBytes = op.value?.length ?? 0;
    const valueBytesMax = this.limits.valueBytesMax[op.db];
    if (valueBytes > valueBytesMax) {
      const what = op.db === "data" ? "value" : `${op.db} record`;
      throw new RingkvError("ERR", `${what} is ${valueBytes} bytes, the limit is ${valueBytesMax} bytes`);
    }
    return op.key.length + valueBytes;
  }

  private fail(detail: string, error: unknown): RingkvError {
    this.failure ??= new RingkvError(
      "ERR",
      `a write to ${this.path} failed (${detail}); the store refuses further writes until the process restarts`,
      { cause: error },
    );
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
    root = open({ path, overlappingSync: false, maxDbs: SUB_DBS.length, mapSize: mapSizeBytes });
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

/**
 * lmdb-js rejects the writes of a failed commit with a generic error whose `commitError`
 * promise rejects with the real one (EIO, ENOSPC...) in the same callback. Read it, and always
 * handle it: left alone it is an unhandled rejection that ends the process.
 */
async function commitFailureDetail(error: unknown): Promise<string> {
  const commitError = (error as { commitError?: Promise<unknown> } | null)?.commitError;
  if (!(commitError instanceof Promise)) return messageOf(error);
  const settled = commitError.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  const nextTurn = new Promise<undefined>((resolve) => setImmediate(resolve, undefined));
  const cause = await Promise.race([settled, nextTurn]);
  return cause === undefined ? messageOf(error) : messageOf(cause);
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
