// Child process of sync-proof.integration.test.ts, run under strace: writes COUNT values, IN_FLIGHT at a
// time, each carrying the marker VAL#<n>#, and writes "ACK <n>" to stderr (fd 2, one write()
// syscall, so it is stamped in the trace) the moment write n is acknowledged.
// MODE "store" writes through KVStore. MODE "unsynced" is the control that must fail the
// check: LMDB with noSync, acknowledged at commit, never synced.
// Usage: sync-proof-writer.js DIR COUNT IN_FLIGHT MODE

import { open } from "lmdb";
import { writeSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR_FILES } from "../../../src/storage/data-dir.js";
import { KVStore } from "../../../src/storage/kv-store.js";

const VALUE_BYTES = 100;

const [dir, countText, inFlightText, mode] = process.argv.slice(2);
if (dir === undefined || countText === undefined || inFlightText === undefined || (mode !== "store" && mode !== "unsynced")) {
  throw new Error("usage: sync-proof-writer.js DIR COUNT IN_FLIGHT store|unsynced");
}

const writeOne = mode === "store" ? await storeWriter(dir) : unsyncedWriter(dir);
const count = Number(countText);
let next = 0;

async function writer(): Promise<void> {
  while (next < count) {
    const n = next++;
    await writeOne(Buffer.from(`p${n}`), Buffer.alloc(VALUE_BYTES, `VAL#${n}#`));
    writeSync(2, `ACK ${n}\n`);
  }
}

await Promise.all(Array.from({ length: Number(inFlightText) }, writer));
await writeOne.close();

type Writer = ((key: Buffer, value: Buffer) => Promise<unknown>) & { close(): Promise<void> };

async function storeWriter(dir: string): Promise<Writer> {
  const store = await KVStore.open(dir, { kind: "node" });
  return Object.assign((key: Buffer, value: Buffer) => store.write([{ db: "data", key, value }]), { close: () => store.close() });
}

function unsyncedWriter(dir: string): Writer {
  const root = open<Buffer, Buffer>({ path: join(dir, DATA_DIR_FILES.store), noSync: true });
  const db = root.openDB<Buffer, Buffer>("data", { encoding: "binary", keyEncoding: "binary" });
  return Object.assign((key: Buffer, value: Buffer) => db.put(key, value), { close: () => root.close() });
}
