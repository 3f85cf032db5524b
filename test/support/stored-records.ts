// A stopped storage node's records, read and damaged straight in its data directory: what the
// repair and damaged-read tests check after the cluster mended a replica, and how they damage one.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeEntry } from "../../src/core/commands/index.js";
import { KVStore } from "../../src/storage/kv-store.js";

/** A stored entry's string (the cluster stores values as entries: src/core/commands/entry.ts). */
function textOf(stored: Buffer): string {
  const entry = decodeEntry(stored);
  return entry.kind === "string" ? Buffer.from(entry.value).toString() : "(a hash)";
}

/** A node's data and versions as "key=value@version" lines in key order; throws on any damaged record left. */
export async function storedContents(dir: string): Promise<string[]> {
  const store = await KVStore.open(dir, { kind: "node" });
  try {
    const lines: string[] = [];
    for (const [key, version] of store.entries("versions")) {
      const value = store.get("data", key);
      lines.push(`${key.toString()}=${value === undefined ? "(tombstone)" : textOf(value)}@${version.toString()}`);
    }
    return lines;
  } finally {
    await store.close();
  }
}

/**
 * Scribbles into every copy of `marker` in a stopped node's LMDB file (LMDB may keep an older one
 * in a free page), so that its record fails its checksum.
 */
export function scribble(dir: string, marker: string): void {
  const file = join(dir, "store.mdb");
  const bytes = readFileSync(file);
  let copies = 0;
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1), copies++) bytes.write("SCRIBBLE", at + 200, "latin1");
  assert.ok(copies > 0, "the value is in the file");
  writeFileSync(file, bytes);
}
