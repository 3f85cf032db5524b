import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RingkvError } from "../shared/errors.js";
import { DATA_DIR_FILES } from "./data-dir.js";
import { KVStore } from "./kv-store.js";
import { checkLmdbFile } from "./lmdb-file-check.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const PAGE_BYTES = 4096;
/** Enough keys for the data tree to have branch pages. */
const KEYS = 20_000;

let template: string;

before(async () => {
  template = mkdtempSync("/tmp/ringkv-storage-template-");
  const store = await KVStore.open(template, { kind: "node" });
  const batch = Array.from({ length: KEYS }, (_, i) => ({ db: "data" as const, key: Buffer.from(`key-${i}`), value: Buffer.alloc(100, i) }));
  await store.write(batch);
  await store.write([{ db: "txn", key: Buffer.from("t"), value: Buffer.from("r") }]);
  await store.close();
});

after(() => rmSync(template, { recursive: true, force: true }));

/** Deterministic garbage: no meta page, no magic, no valid page numbers. */
function garbage(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 131 + 17) & 0xff));
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const content = readFileSync(path);
  bytes.copy(content, offset);
  writeFileSync(path, content);
}

const damages: Array<{ name: string; damage: (path: string) => void; reason: RegExp }> = [
  { name: "an empty file", damage: (path) => truncateSync(path, 0), reason: /it is empty \(0 bytes\)/ },
  {
    name: "garbage over the first page",
    damage: (path) => overwrite(path, 0, garbage(PAGE_BYTES)),
    reason: /its first page is not an LMDB meta page/,
  },
  {
    name: "garbage over the whole file",
    damage: (path) => writeFileSync(path, garbage(statSync(path).size)),
    reason: /its first page is not an LMDB meta page/,
  },
  {
    name: "garbage over the second meta page",
    damage: (path) => overwrite(path, PAGE_BYTES, garbage(PAGE_BYTES)),
    reason: /its second page is not an LMDB meta page/,
  },
  {
    name: "a wrong magic number",
    damage: (path) => overwrite(path, 24, Buffer.from([1, 2, 3, 4])),
    reason: /its first meta page lacks the LMDB magic number/,
  },
  {
    name: "another data format version",
    damage: (path) => overwrite(path, 28, Buffer.from([3, 0])),
    reason: /its data format version is 3, expected 2/,
  },
  {
    name: "a cut inside the first meta page",
    damage: (path) => truncateSync(path, 100),
    reason: /the first meta page is cut short \(100 of 168 bytes\); it looks truncated/,
  },
  {
    name: "a cut after the meta pages",
    damage: (path) => truncateSync(path, 2 * PAGE_BYTES),
    reason: /refers to page \d+, but the file has only 2 pages; it looks truncated or overwritten/,
  },
  {
    name: "a cut in the middle, on a page boundary",
    damage: (path) => truncateSync(path, Math.floor(statSync(path).size / PAGE_BYTES / 2) * PAGE_BYTES),
    reason: /but the file has only \d+ pages; it looks truncated/,
  },
  {
    name: "a cut inside the last page",
    damage: (path) => truncateSync(path, statSync(path).size - 100),
    reason: /is not a whole number \(at least 2\) of 4096-byte pages; it looks truncated/,
  },
  {
    name: "zeros over every page after the meta pages",
    damage: (path) => overwrite(path, 2 * PAGE_BYTES, Buffer.alloc(statSync(path).size - 2 * PAGE_BYTES)),
    reason: /page \d+ of the .* says it is page 0/,
  },
];

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

describe("checkLmdbFile", () => {
  it("passes a sound file, reading its branch pages", () => {
    const summary = checkLmdbFile(join(template, DATA_DIR_FILES.store));
    assert.equal(summary.pageBytes, PAGE_BYTES);
    assert.ok(summary.pagesChecked >= 3, `only ${summary.pagesChecked} pages checked`);
  });

  for (const { name, damage, reason } of damages) {
    it(`names the file and the fault for ${name}, and opening the store changes no byte of it`, () =>
      withTempDir(async (dir) => {
        cpSync(template, dir, { recursive: true });
        const path = join(dir, DATA_DIR_FILES.store);
        damage(path);
        const digest = sha256(path);
        const names = readdirSync(dir).sort();
        const fault = (error: unknown) =>
          error instanceof RingkvError &&
          error.message.startsWith(`the data file ${path} is not a sound LMDB file: `) &&
          reason.test(error.message) &&
          error.message.endsWith("It was left untouched; restore it from a replica or a backup, or move it away to start empty");
        assert.throws(() => checkLmdbFile(path), fault);
        await assert.rejects(KVStore.open(dir, { kind: "node" }), fault);
        assert.equal(sha256(path), digest, "the data file is unchanged");
        assert.deepEqual(readdirSync(dir).sort(), names, "no file was added or left behind (the lock is released)");
      }));
  }

  it("reports a missing data file in a marked directory instead of starting empty", () =>
    withTempDir(async (dir) => {
      cpSync(template, dir, { recursive: true });
      unlinkSync(join(dir, DATA_DIR_FILES.store));
      await assert.rejects(KVStore.open(dir, { kind: "node" }), /cannot read the data file .*store\.mdb: .*ENOENT/);
      assert.deepEqual(readdirSync(dir).sort(), [DATA_DIR_FILES.marker, DATA_DIR_FILES.storeLock].sort());
    }));
});
