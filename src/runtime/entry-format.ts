// Which format a data directory's values are in. Values written before src/core/commands were
// raw bytes with no type tag; they cannot be told apart from tagged entries by looking at them,
// so the store's meta records the format. A store without the record is converted at open: each
// raw value becomes a string entry with no deadline, in batches, each batch written atomically
// with how far the conversion got, so a crash part way resumes where it stopped and never leaves
// a value whose format is in doubt. Only then does the node serve.
import { encodeEntry, ENTRY_OVERHEAD_BYTES_MAX } from "../core/commands/index.js";
import type { Limits } from "../shared/limits.js";
import type { KVStore, StoreWrite } from "../storage/kv-store.js";
import type { Logger } from "./logger.js";

const FORMAT_KEY = Buffer.from("entry-format");
const PROGRESS_KEY = Buffer.from("entry-format-converted-through");
export const ENTRY_FORMAT = "1";
/** Values converted per atomic write. */
const CONVERT_BATCH_KEYS = 1_000;

/**
 * The limits of what is stored and carried between the coordinator and the storage nodes: a value
 * there is an entry, up to ENTRY_OVERHEAD_BYTES_MAX bytes (its tag and deadline) longer than the
 * largest string a client may write, and a transaction's writes up to that much more per key than
 * the largest request, so every accepted write fits its prepare, decision, commit and store.
 */
export function storedValueLimits(limits: Limits): Limits {
  return {
    ...limits,
    valueBytesMax: limits.valueBytesMax + ENTRY_OVERHEAD_BYTES_MAX,
    requestBytesMax: limits.requestBytesMax + limits.keysPerCommandMax * ENTRY_OVERHEAD_BYTES_MAX,
  };
}

export async function ensureEntryFormat(store: KVStore, logger: Logger): Promise<void> {
  const recorded = store.get("meta", FORMAT_KEY)?.toString();
  if (recorded === ENTRY_FORMAT) return;
  if (recorded !== undefined) {
    throw new Error(`${store.dir} holds values in entry format ${recorded}; this ringkv reads format ${ENTRY_FORMAT}`);
  }
  let after = store.get("meta", PROGRESS_KEY);
  let converted = 0;
  for (;;) {
    const batch: StoreWrite[] = [];
    for (const [key, value] of store.entries("data", after)) {
      batch.push({ db: "data", key, value: encodeEntry({ kind: "string", value }) });
      after = key;
      if (batch.length === CONVERT_BATCH_KEYS) break;
    }
    if (batch.length === 0) break;
    await store.write([...batch, { db: "meta", key: PROGRESS_KEY, value: after as Buffer }]);
    converted += batch.length;
  }
  await store.write([{ db: "meta", key: FORMAT_KEY, value: Buffer.from(ENTRY_FORMAT) }, { db: "meta", key: PROGRESS_KEY, value: null }]);
  if (converted > 0) logger.info({ values: converted, format: ENTRY_FORMAT }, "converted stored values to the typed entry format");
}
