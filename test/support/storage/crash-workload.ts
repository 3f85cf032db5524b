// The write load of the crash and disk-full tests, shared by the child that writes it and the
// test that checks what survived. Write number i is one atomic batch over two sub-databases;
// every tenth one also carries a block of extra keys, so a torn batch would show.

import type { KVStore, StoreWrite } from "../../../src/storage/kv-store.js";

const BLOCK_EVERY = 10;
const BLOCK_KEYS = 50;
const VALUE_BYTES = 100;

export function writesFor(i: number, valueBytes = VALUE_BYTES): StoreWrite[] {
  const writes: StoreWrite[] = [
    { db: "data", key: Buffer.from(`k${i}`), value: valueFor(`k${i}`, valueBytes) },
    { db: "txn", key: Buffer.from(`t${i}`), value: valueFor(`t${i}`, 16) },
  ];
  if (i % BLOCK_EVERY === 0) {
    for (let j = 0; j < BLOCK_KEYS; j++) {
      writes.push({ db: "data", key: Buffer.from(`b${i}-${j}`), value: valueFor(`b${i}-${j}`, valueBytes) });
    }
  }
  return writes;
}

/** How many of write i's operations STORE holds with exactly the bytes written. */
export function survivingWrites(store: KVStore, i: number, valueBytes = VALUE_BYTES): { present: number; of: number } {
  const writes = writesFor(i, valueBytes);
  let present = 0;
  for (const write of writes) {
    const stored = store.get(write.db, write.key);
    if (stored !== undefined && write.value !== null && stored.equals(write.value)) present++;
  }
  return { present, of: writes.length };
}

function valueFor(key: string, length: number): Buffer {
  return Buffer.alloc(length, `${key}:`);
}
