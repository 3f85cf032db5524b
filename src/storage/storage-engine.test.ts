import { test } from "node:test";
import assert from "node:assert/strict";
import { KVStore } from "../storage/kv-store.js";
import { withTempDir } from "../../test/support/temp-dir.js";
import { StorageEngine, type StorageEngineOptions } from "./storage-engine.js";

const cache = { sets: 4, ways: 4, bytesMax: 64 * 1024 };
const key = (text: string) => Buffer.from(text);

async function withEngine(options: StorageEngineOptions | undefined, run: (engine: StorageEngine) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const store = await KVStore.open(dir, { kind: "node" });
    try {
      await run(new StorageEngine(store, cache, options));
    } finally {
      await store.close();
    }
  });
}

test("by default a write leaves its values in the cache, and a delete drops its key", async () => {
  await withEngine(undefined, async (engine) => {
    await engine.write([{ key: key("a"), value: key("1") }, { key: key("b"), value: key("2") }]);
    assert.equal(engine.cacheStats().entries, 2);
    await engine.write([{ key: key("a"), value: null }]);
    assert.equal(engine.cacheStats().entries, 1);
    assert.equal(engine.get(key("a")), undefined);
  });
});

test("fillCacheOnWrite false: a write drops its keys; reads see the new value and get() refills", async () => {
  await withEngine({ fillCacheOnWrite: false }, async (engine) => {
    await engine.write([{ key: key("a"), value: key("1") }]);
    assert.deepEqual(engine.get(key("a")), key("1"));
    assert.equal(engine.cacheStats().entries, 1, "the read filled the cache");
    await engine.write([{ key: key("a"), value: key("2") }]);
    assert.equal(engine.cacheStats().entries, 0, "the write dropped the old value, not replaced it");
    assert.deepEqual(engine.get(key("a")), key("2"));
  });
});

test("peek() reads through the cache but never fills it", async () => {
  await withEngine({ fillCacheOnWrite: false }, async (engine) => {
    await engine.write([{ key: key("a"), value: key("1") }]);
    assert.deepEqual(engine.peek(key("a")), key("1"));
    assert.equal(engine.peek(key("missing")), undefined);
    assert.equal(engine.cacheStats().entries, 0);
    engine.get(key("a"));
    assert.deepEqual(engine.peek(key("a")), key("1"));
    assert.equal(engine.cacheStats().hits, 1, "the peek was served from the cache once filled");
  });
});
