import assert from "node:assert/strict";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RingkvError } from "../shared/errors.js";
import { makeLimits } from "../shared/limits.js";
import { DATA_DIR_FILES } from "./data-dir.js";
import { KVStore, type StoreWrite, type SubDb } from "./kv-store.js";
import { segmentPath } from "./wal-file.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const bytes = (text: string) => Buffer.from(text);

async function withStore<T>(dir: string, run: (store: KVStore) => Promise<T>): Promise<T> {
  const store = await KVStore.open(dir, { kind: "node" });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

function isRingkvError(code: string, message: RegExp) {
  return (error: unknown) => error instanceof RingkvError && error.code === code && message.test(error.message);
}

describe("KVStore basics", () => {
  it("puts, gets and deletes, and keeps exactly that across close and reopen", () =>
    withTempDir(async (dir) => {
      await withStore(dir, async (store) => {
        await store.write([{ db: "data", key: bytes("a"), value: bytes("1") }]);
        await store.write([{ db: "data", key: bytes("b"), value: bytes("2") }]);
        await store.write([{ db: "data", key: bytes("a"), value: null }]);
        await store.write([{ db: "data", key: bytes("c"), value: bytes("3") }, { db: "data", key: bytes("c"), value: bytes("33") }]);
        assert.equal(store.get("data", bytes("a")), undefined);
        assert.deepEqual(store.get("data", bytes("b")), bytes("2"));
      });
      await withStore(dir, async (store) => {
        assert.equal(store.get("data", bytes("a")), undefined);
        assert.deepEqual(store.get("data", bytes("b")), bytes("2"));
        assert.deepEqual(store.get("data", bytes("c")), bytes("33"), "the later op of one batch wins");
        assert.equal(store.count("data"), 2);
      });
    }));

  it("keeps the three sub-databases apart", () =>
    withTempDir((dir) =>
      withStore(dir, async (store) => {
        const subDbs: SubDb[] = ["data", "meta", "txn"];
        await store.write(subDbs.map((db) => ({ db, key: bytes("k"), value: bytes(db) })));
        for (const db of subDbs) {
          assert.deepEqual(store.get(db, bytes("k")), bytes(db));
          assert.equal(store.count(db), 1);
        }
        await store.write([{ db: "meta", key: bytes("k"), value: null }]);
        assert.deepEqual([store.count("data"), store.count("meta"), store.count("txn")], [1, 0, 1]);
      }),
    ));

  it("stores any bytes: 0x00, 0xff, the empty key, the empty value, 1 KiB keys, 1 MiB values", () =>
    withTempDir(async (dir) => {
      const longKey = Buffer.alloc(1024, 0xab);
      const bigValue = Buffer.alloc(1024 * 1024, 0x5a);
      const view = new Uint8Array([9, 0, 0xff, 7, 9]).subarray(1, 4); // a Uint8Array with an offset
      const writes: StoreWrite[] = [
        { db: "data", key: Buffer.from([0x00]), value: Buffer.from([0xff, 0x00, 0xff]) },
        { db: "data", key: Buffer.from([0xff, 0xff]), value: Buffer.alloc(0) },
        { db: "data", key: Buffer.alloc(0), value: bytes("empty key") },
        { db: "data", key: longKey, value: bigValue },
        { db: "data", key: view, value: view },
      ];
      await withStore(dir, (store) => store.write(writes));
      await withStore(dir, async (store) => {
        for (const write of writes) assert.deepEqual(store.get("data", write.key), Buffer.from(write.value as Uint8Array));
        assert.equal(store.count("data"), writes.length);
      });
    }));

  it("lists entries in key order with the user's keys", () =>
    withTempDir((dir) =>
      withStore(dir, async (store) => {
        await store.write([
          { db: "txn", key: bytes("b"), value: bytes("2") },
          { db: "txn", key: Buffer.alloc(0), value: bytes("0") },
          { db: "txn", key: bytes("a"), value: bytes("1") },
          { db: "data", key: bytes("x"), value: bytes("not txn") },
        ]);
        const listed = [...store.entries("txn")].map(([key, value]) => [key.toString(), value.toString()]);
        assert.deepEqual(listed, [["", "0"], ["a", "1"], ["b", "2"]]);
      }),
    ));

  it("matches a Map model over random batches, also after reopening", async () => {
    const keyArb = fc.uint8Array({ minLength: 0, maxLength: 3 }); // few keys, so batches collide
    const opArb = fc.record({
      db: fc.constantFrom<SubDb>("data", "txn"),
      key: keyArb,
      value: fc.option(fc.uint8Array({ maxLength: 8 }), { freq: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(opArb, { maxLength: 6 }), { maxLength: 6 }), async (batches) =>
        withTempDir(async (dir) => {
          const model = new Map<string, Buffer>();
          const modelKey = (db: SubDb, key: Uint8Array) => `${db}:${Buffer.from(key).toString("hex")}`;
          await withStore(dir, async (store) => {
            await Promise.all(batches.map((batch) => store.write(batch)));
          });
          for (const op of batches.flat()) {
            if (op.value === null) model.delete(modelKey(op.db, op.key));
            else model.set(modelKey(op.db, op.key), Buffer.from(op.value));
          }
          await withStore(dir, async (store) => {
            const stored = new Map<string, Buffer>();
            for (const db of ["data", "txn"] as const) {
              for (const [key, value] of store.entries(db)) stored.set(modelKey(db, key), value);
            }
            assert.deepEqual(stored, model);
          });
        }),
      ),
      { numRuns: 25 },
    );
  });
});

describe("KVStore atomicity and group commit", () => {
  it("never shows a reader part of a multi-database batch", () =>
    withTempDir((dir) =>
      withStore(dir, async (store) => {
        const keys = 5000;
        const batch: StoreWrite[] = [];
        for (let i = 0; i < keys; i++) {
          batch.push({ db: "data", key: bytes(`k${i}`), value: Buffer.alloc(100, i) });
          batch.push({ db: "txn", key: bytes(`t${i}`), value: bytes("prepared") });
        }
        const seen = new Set<string>();
        let done = false;
        const written = store.write(batch).then(() => (done = true));
        while (!done) {
          seen.add(`${store.count("data")}/${store.count("txn")}/${store.get("txn", bytes(`t${keys - 1}`)) !== undefined}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
        await written;
        seen.add(`${store.count("data")}/${store.count("txn")}/${store.get("txn", bytes(`t${keys - 1}`)) !== undefined}`);
        assert.deepEqual([...seen].sort(), ["0/0/false", `${keys}/${keys}/true`]);
      }),
    ));

  it("commits many writes issued in one turn together, and counts writes, batches and commits", () =>
    withTempDir((dir) =>
      withStore(dir, async (store) => {
        const writers = 200;
        await Promise.all(
          Array.from({ length: writers }, (_, i) =>
            store.write([
              { db: "data", key: bytes(`k${i}`), value: bytes("v") },
              { db: "txn", key: bytes(`t${i}`), value: bytes("w") },
            ]),
          ),
        );
        const stats = store.stats();
        assert.equal(stats.batches, writers);
        assert.equal(stats.writes, 2 * writers);
        let expectedBytes = 0;
        for (let i = 0; i < writers; i++) expectedBytes += `k${i}`.length + 1 + `t${i}`.length + 1;
        assert.equal(stats.bytesWritten, expectedBytes);
        assert.ok(stats.commits >= 1 && stats.commits <= 3, `${writers} writes took ${stats.commits} commits`);
        assert.equal(stats.batchesInFlight, 0);
      }),
    ));

  it("groups writes that arrive, turn after turn, while a commit is in flight", () =>
    withTempDir((dir) =>
      withStore(dir, async (store) => {
        const pending: Array<Promise<void>> = [];
        let i = 0;
        const first = store.write([{ db: "data", key: bytes("first"), value: bytes("1") }]);
        let firstDone = false;
        void first.then(() => (firstDone = true));
        while (!firstDone) {
          pending.push(store.write([{ db: "data", key: bytes(`k${i++}`), value: bytes("v") }]));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await Promise.all(pending);
        const { commits, batches } = store.stats();
        assert.ok(batches >= 3, `only ${batches} writes arrived during the first commit`);
        assert.ok(commits < batches, `${batches} writes took ${commits} commits`);
      }),
    ));
});

describe("KVStore refusals", () => {
  it("rejects a whole batch with an oversized key or value before writing any of it", () =>
    withTempDir((dir) =>
      withStore(dir, async (store) => {
        const good = { db: "data" as const, key: bytes("good"), value: bytes("v") };
        await assert.rejects(
          store.write([good, { db: "data", key: Buffer.alloc(1025), value: bytes("v") }]),
          isRingkvError("ERR", /^key is 1025 bytes, the limit is 1024 bytes$/),
        );
        await assert.rejects(
          store.write([good, { db: "data", key: bytes("k"), value: Buffer.alloc(1024 * 1024 + 1) }]),
          isRingkvError("ERR", /^value is 1048577 bytes, the limit is 1048576 bytes$/),
        );
        assert.equal(store.get("data", bytes("good")), undefined);
        assert.equal(store.get("data", Buffer.alloc(1025)), undefined, "a key over the limit is simply absent");
        await store.write([good]);
        assert.deepEqual(store.get("data", bytes("good")), bytes("v"), "a refused batch does not fail the store");
      }),
    ));

  it("takes configured limits, and refuses a key limit LMDB cannot hold", () =>
    withTempDir(async (dir) => {
      const store = await KVStore.open(dir, { kind: "node", limits: makeLimits({ keyBytesMax: 4, valueBytesMax: 2 }) });
      await assert.rejects(store.write([{ db: "data", key: bytes("12345"), value: null }]), /key is 5 bytes, the limit is 4 bytes/);
      await assert.rejects(store.write([{ db: "data", key: bytes("k"), value: bytes("123") }]), /value is 3 bytes, the limit is 2 bytes/);
      await store.close();
      await assert.rejects(
        KVStore.open(dir, { kind: "node", limits: makeLimits({ keyBytesMax: 4000 }) }),
        isRingkvError("ERR", /^keyBytesMax is 4000, but this LMDB takes keys of at most 1977 bytes$/),
      );
      assert.ok(!existsSync(join(dir, DATA_DIR_FILES.pid)), "a failed open releases the lock");
    }));

  it("refuses writes past the in-flight bound with TRYAGAIN, and takes them again once below it", () =>
    withTempDir(async (dir) => {
      const store = await KVStore.open(dir, { kind: "node", batchesInFlightMax: 2 });
      try {
        const write = (key: string) => store.write([{ db: "data", key: bytes(key), value: bytes("v") }]);
        const accepted = [write("a"), write("b")];
        await assert.rejects(write("c"), isRingkvError("TRYAGAIN", /^2 writes are in flight, the limit is 2; retry shortly$/));
        await Promise.all(accepted);
        await write("c");
        assert.equal(store.count("data"), 3);
      } finally {
        await store.close();
      }
    }));

  it("refuses use after close, and a second open of one directory in this process", () =>
    withTempDir(async (dir) => {
      const store = await KVStore.open(dir, { kind: "node" });
      await assert.rejects(KVStore.open(dir, { kind: "node" }), /is already open in this process/);
      await store.close();
      await store.close();
      await assert.rejects(store.write([]), isRingkvError("TRYAGAIN", /^the store in .* is closed$/));
      assert.throws(() => store.get("data", bytes("k")), isRingkvError("TRYAGAIN", /is closed/));
    }));

  it("refuses to open a node directory as a coordinator", () =>
    withTempDir(async (dir) => {
      await withStore(dir, async () => undefined);
      await assert.rejects(KVStore.open(dir, { kind: "coordinator" }), /is a ringkv node data directory, not a coordinator one/);
      assert.equal(JSON.parse(readFileSync(join(dir, DATA_DIR_FILES.marker), "utf8")).kind, "node");
    }));
});

describe("KVStore files", () => {
  it("creates the directory with a marker, the data file and a pid file it removes on close", () =>
    withTempDir(async (parent) => {
      const dir = join(parent, "new", "data");
      const store = await KVStore.open(dir, { kind: "coordinator" });
      assert.equal(readFileSync(join(dir, DATA_DIR_FILES.pid), "utf8"), `${process.pid}\n`);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, DATA_DIR_FILES.marker), "utf8")).kind, "coordinator");
      assert.ok(store.stats().fileBytes > 0);
      await store.close();
      assert.ok(!existsSync(join(dir, DATA_DIR_FILES.pid)));
    }));

  it("keeps the directory 0700 and every file 0600, also on a directory and files an older version left open", () =>
    withTempDir(async (dir) => {
      await withStore(dir, async (store) => store.write([{ db: "data", key: bytes("k"), value: bytes("v") }]));
      chmodSync(dir, 0o755);
      for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644);
      await withStore(dir, async () => {
        assert.equal(statSync(dir).mode & 0o777, 0o700);
        for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
        const walSegment = basename(segmentPath(dir, 1));
        assert.deepEqual(readdirSync(dir).sort(), [DATA_DIR_FILES.marker, DATA_DIR_FILES.pid, DATA_DIR_FILES.store, DATA_DIR_FILES.storeLock, walSegment].sort());
      });
    }));

  it("grows the memory map past its initial size", () =>
    withTempDir((dir) =>
      withStore(dir, async () => undefined).then(async () => {
        const mapSizeBytes = 1024 * 1024;
        const store = await KVStore.open(dir, { kind: "node", mapSizeBytes });
        try {
          const value = Buffer.alloc(64 * 1024, 1);
          for (let round = 0; round < 8; round++) {
            await Promise.all(
              Array.from({ length: 16 }, (_, i) => store.write([{ db: "data", key: bytes(`k${round}-${i}`), value }])),
            );
          }
          assert.equal(store.count("data"), 128);
          assert.ok(store.stats().mapSizeBytes > mapSizeBytes, `map is still ${store.stats().mapSizeBytes} bytes`);
          assert.ok(store.stats().fileBytes > 8 * 1024 * 1024);
        } finally {
          await store.close();
        }
      }),
    ));
});
