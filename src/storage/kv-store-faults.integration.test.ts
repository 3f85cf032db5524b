// Faults of the disk under a KVStore: a full disk (a real tmpfs) fails the write that finds no
// room with a clear error, leaves the store as it was and takes writes again once there is room;
// bytes scribbled into the file are found by reads and by the scrub, named by key and file, and
// never returned as a value; a store from before checksums gets them, even if cut short.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { open } from "lmdb";
import { DATA_DIR_FILES } from "./data-dir.js";
import { KVStore } from "./kv-store.js";
import { CorruptRecordError, sealRecord } from "./record-checksum.js";
import { StoreWriteError } from "./write-failure.js";
import { tmpfsUnavailable, withTmpfs } from "../../test/support/storage/tmpfs.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const bytes = (text: string) => Buffer.from(text);
const noScrub = { scrub: { bytesPerSecond: 0 } };

describe("KVStore on a full disk", { skip: tmpfsUnavailable() }, () => {
  it("fails the write that finds no room with 'disk full', serves reads, and takes writes again once there is room", () =>
    withTmpfs(4 * 1024 * 1024, async (mount) => {
      const dir = join(mount, "data");
      const filler = join(mount, "filler");
      const store = await KVStore.open(dir, { kind: "node", ...noScrub });
      try {
        await store.write([{ db: "data", key: bytes("before"), value: bytes("kept") }]);
        writeFileSync(filler, Buffer.alloc(1024 * 1024)); // room that comes back later
        const value = Buffer.alloc(64 * 1024, 0x76);
        let failure: unknown;
        let written = 0;
        for (let i = 0; i < 200 && failure === undefined; i++) {
          await store.write([{ db: "data", key: bytes(`fill:${i}`), value }]).then(() => written++, (error: unknown) => (failure = error));
        }
        assert.ok(failure instanceof StoreWriteError, `a write failed: ${String(failure)}`);
        assert.equal(failure.kind, "full");
        assert.match(failure.message, /^disk full: a write to .*(store\.mdb|wal-\d+\.log) failed \(.+\) and none of it was applied; reads go on/);
        assert.equal(store.get("data", bytes(`fill:${written}`)), undefined, "nothing of the failed write applied");
        assert.deepEqual(store.get("data", bytes("before")), bytes("kept"), "reads go on");
        await assert.rejects(store.write([{ db: "data", key: bytes("still-full"), value }]), /^RingkvError: disk full/);

        rmSync(filler); // room again: the store takes writes with no restart
        await store.write([{ db: "data", key: bytes("after"), value: bytes("room") }]);
        assert.deepEqual(store.get("data", bytes("after")), bytes("room"));
        assert.equal(store.stats().failure, null);
        assert.ok(store.stats().writesFailedFull >= 2);
      } finally {
        await store.close();
      }
      const reopened = await KVStore.open(dir, { kind: "node", ...noScrub });
      try {
        assert.deepEqual(reopened.get("data", bytes("after")), bytes("room"));
        assert.deepEqual(reopened.get("data", bytes("before")), bytes("kept"));
      } finally {
        await reopened.close();
      }
    }));
});

/** Overwrites, in the store's file, the middle of the stored value that holds `marker`. */
function scribbleInto(dir: string, marker: Buffer): void {
  const path = join(dir, DATA_DIR_FILES.store);
  const file = readFileSync(path);
  // Every copy: LMDB copies a page on write, and an older copy may linger in a free page.
  let copies = 0;
  for (let at = file.indexOf(marker); at >= 0; at = file.indexOf(marker, at + 1)) {
    file.write("SCRIBBLED", at + marker.length / 2, "latin1");
    copies++;
  }
  assert.ok(copies > 0, "the marker is in the file");
  writeFileSync(path, file);
}

describe("KVStore checksums", () => {
  it("a record scribbled over in the file is an error naming its key and the file, never a wrong value", () =>
    withTempDir(async (dir) => {
      const marker = Buffer.from(`<${"m".repeat(200)}>`);
      await withStore(dir, (store) => store.write([
        { db: "data", key: bytes("victim"), value: Buffer.concat([bytes("head"), marker, bytes("tail")]) },
        { db: "data", key: bytes("bystander"), value: bytes("fine") },
      ]));
      scribbleInto(dir, marker);
      await withStore(dir, async (store) => {
        assert.throws(() => store.get("data", bytes("victim")), (error: unknown) =>
          error instanceof CorruptRecordError
          && error.message === `the record of key 'victim' in the data sub-database of ${join(dir, DATA_DIR_FILES.store)} `
            + "fails its checksum: the file is damaged there; nothing was returned for it");
        assert.deepEqual(store.get("data", bytes("bystander")), bytes("fine"));
        assert.throws(() => [...store.entries("data")], CorruptRecordError);
        assert.equal(store.stats().corruptRecordsFound, 2);
      });
    }));

  it("the scrub walks every sub-database at its pace and reports each damaged record once per pass", () =>
    withTempDir(async (dir) => {
      const marker = Buffer.from(`<${"s".repeat(300)}>`);
      const records = Array.from({ length: 200 }, (_, i) => ({ db: "data" as const, key: bytes(`k${i}`), value: Buffer.alloc(100, i) }));
      await withStore(dir, (store) => store.write([...records, { db: "txn", key: bytes("7.1"), value: marker }]));
      scribbleInto(dir, marker);
      const found: CorruptRecordError[] = [];
      const store = await KVStore.open(dir, { kind: "node", scrub: { bytesPerSecond: 100_000, stepMs: 10, onCorrupt: (error) => found.push(error) } });
      try {
        const deadline = Date.now() + 10_000;
        while (store.stats().scrub.passes < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.ok(store.stats().scrub.passes >= 2, "two whole passes");
        assert.ok(found.length >= 2 && found.every((error) => error.key.toString() === "7.1" && error.place.db === "txn"), found.map(String).join("; "));
        assert.equal(store.stats().scrub.corruptFound, found.length);
      } finally {
        await store.close();
      }
    }));

  it("a store from before checksums gets them when opened, also after an upgrade cut short", () =>
    withTempDir(async (dir) => {
      // A format-1 store: values as they are, a marker of version 1, and (as a crash would leave
      // it) the first two data records already converted with the upgrade's note saying so.
      await withStore(dir, async () => undefined);
      const root = open({ path: join(dir, DATA_DIR_FILES.store), maxDbs: 4 });
      const data = root.openDB<Buffer, Buffer>("data", { encoding: "binary", keyEncoding: "binary" });
      const meta = root.openDB<Buffer, Buffer>("meta", { encoding: "binary", keyEncoding: "binary" });
      const keys = ["ka", "kb", "kc", "kd"].map((name) => Buffer.from(name)); // stored keys: tag byte 'k', then a, b...
      await root.batch(() => {
        for (const [i, key] of keys.entries()) void data.put(key, i < 2 ? sealRecord(key, bytes(`v${i}`)) : bytes(`v${i}`));
        void meta.put(Buffer.from("\0checksum-upgrade", "latin1"), Buffer.from(JSON.stringify({ done: [], after: keys[1]!.toString("base64") })));
        void meta.put(Buffer.from("knode-id"), bytes("node-7"));
      });
      await root.close();
      writeFileSync(join(dir, DATA_DIR_FILES.marker), JSON.stringify({ format: "ringkv-data-dir", version: 1, kind: "node" }));

      await withStore(dir, async (store) => {
        assert.deepEqual([...store.entries("data")].map(([key, value]) => `${key}=${value}`), ["a=v0", "b=v1", "c=v2", "d=v3"]);
        assert.deepEqual([...store.entries("meta")].map(([key, value]) => `${key}=${value}`), ["node-id=node-7"]);
      });
      assert.equal(JSON.parse(readFileSync(join(dir, DATA_DIR_FILES.marker), "utf8")).version, 2);
    }));
});

async function withStore<T>(dir: string, run: (store: KVStore) => Promise<T>): Promise<T> {
  const store = await KVStore.open(dir, { kind: "node", ...noScrub });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}
