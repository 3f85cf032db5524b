// Upgrades a store of data directory format 1, whose records have no checksum, to format 2: every
// record of every sub-database gets its checksum (record-checksum.ts), in batches of bounded size.
// Each batch commits together with a note of how far the upgrade got, so an upgrade cut short
// (kill -9, power loss) resumes after the last record it converted, and never converts one twice.
// The note stays once the upgrade is done, under a key no record can have, until the marker says
// format 2: a crash between the two must not start the conversion over.

import type { Database, RootDatabase } from "lmdb";
import { sealRecord } from "./record-checksum.js";
import { handleCommitEchoes } from "./write-failure.js";

/** Under this raw key of the meta sub-database: the upgrade's progress. Stored keys start with a
 * tag byte (kv-store.ts, KEY_TAG), never with 0x00, so no record has it, and reads skip it. */
export const UPGRADE_PROGRESS_KEY = Buffer.from("\0checksum-upgrade", "latin1");

/** Records and bytes converted per transaction, at most (one large value may exceed the bytes). */
const BATCH_RECORDS_MAX = 10_000;
const BATCH_BYTES_MAX = 16 * 1024 * 1024;

interface Progress {
  /** Sub-databases already done, in order. */
  done: string[];
  /** The last stored key converted in the sub-database after them, as base64. */
  after?: string;
}

/** Converts what is left to convert; returns how many records it converted. */
export async function addChecksums(root: RootDatabase<Buffer, Buffer>, dbs: Readonly<Record<string, Database<Buffer, Buffer>>>): Promise<number> {
  const meta = dbs.meta as Database<Buffer, Buffer>;
  const stored = meta.get(UPGRADE_PROGRESS_KEY);
  const progress: Progress = stored === undefined ? { done: [] } : (JSON.parse(stored.toString("utf8")) as Progress);
  let converted = 0;
  for (const [name, db] of Object.entries(dbs)) {
    if (progress.done.includes(name)) continue;
    for (;;) {
      const batch = nextBatch(db, progress.after === undefined ? undefined : Buffer.from(progress.after, "base64"));
      const last = batch.at(-1);
      if (last === undefined) break;
      progress.after = last.key.toString("base64");
      const committed = root.batch(() => {
        for (const { key, value } of batch) void db.put(key, sealRecord(key, value)).catch(() => undefined);
        void meta.put(UPGRADE_PROGRESS_KEY, Buffer.from(JSON.stringify(progress))).catch(() => undefined);
      });
      handleCommitEchoes(root);
      await committed;
      converted += batch.length;
    }
    progress.done.push(name);
    delete progress.after;
    const noted = meta.put(UPGRADE_PROGRESS_KEY, Buffer.from(JSON.stringify(progress)));
    handleCommitEchoes(root);
    await noted;
  }
  return converted;
}

/** The next records after `after` (raw stored keys), the upgrade's own note left out. */
function nextBatch(db: Database<Buffer, Buffer>, after: Buffer | undefined): Array<{ key: Buffer; value: Buffer }> {
  const batch: Array<{ key: Buffer; value: Buffer }> = [];
  let bytes = 0;
  for (const { key, value } of db.getRange(after === undefined ? {} : { start: after })) {
    if (after !== undefined && key.equals(after)) continue;
    if (key.equals(UPGRADE_PROGRESS_KEY)) continue;
    batch.push({ key: Buffer.from(key), value: Buffer.from(value) });
    bytes += key.length + value.length;
    if (batch.length >= BATCH_RECORDS_MAX || bytes >= BATCH_BYTES_MAX) break;
  }
  return batch;
}
