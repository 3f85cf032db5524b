import { test } from "node:test";
import assert from "node:assert/strict";
import { KVStore, type StoreWrite } from "../storage/kv-store.js";
import { withTempDir } from "../../test/support/temp-dir.js";
import { isIncarnation } from "../core/cluster/node-id.js";
import { settleNodeId, type NodeIdentity } from "./node-identity.js";
import { nodeIdWrite, storedNodeIdentity } from "./records.js";

/** Opens the node store in `dir`, runs `use`, closes it: one start of the node. */
async function withStore<T>(dir: string, use: (store: KVStore) => Promise<T>): Promise<T> {
  const store = await KVStore.open(dir, { kind: "node" });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const settle = (dir: string, wanted?: string): Promise<NodeIdentity> => withStore(dir, (store) => settleNodeId(store, wanted));

test("a fresh directory gets the id and a new incarnation in one write; both are the same on every later start", async () => {
  await withTempDir(async (dir) => {
    const batches: StoreWrite[][] = [];
    const first = await withStore(dir, (store) => {
      const write = store.write.bind(store);
      store.write = (batch) => {
        batches.push([...batch]);
        return write(batch);
      };
      return settleNodeId(store, "node-1");
    });
    assert.equal(first.nodeId, "node-1");
    assert.ok(isIncarnation(first.incarnation), first.incarnation);
    assert.equal(batches.length, 1, "one atomic write");
    assert.deepEqual(batches[0]!.map((w) => Buffer.from(w.key).toString()).sort(), ["incarnation", "node-id"]);
    assert.deepEqual(await settle(dir, "node-1"), first);
    assert.deepEqual(await settle(dir), first, "without --id the stored id is used");
  });
});

test("every fresh directory gets its own incarnation, also under the same id", async () => {
  await withTempDir(async (a) => {
    await withTempDir(async (b) => {
      const [first, second] = [await settle(a, "node-1"), await settle(b, "node-1")];
      assert.equal(first.nodeId, second.nodeId);
      assert.notEqual(first.incarnation, second.incarnation);
    });
  });
});

test("a fresh directory without --id gets a generated id", async () => {
  await withTempDir(async (dir) => {
    const identity = await settle(dir);
    assert.match(identity.nodeId, /^node-[0-9a-f]{8}$/);
    assert.deepEqual(await settle(dir), identity);
  });
});

test("a directory from before incarnations (an id, no incarnation) gets one, kept from then on", async () => {
  await withTempDir(async (dir) => {
    await withStore(dir, (store) => store.write([nodeIdWrite("node-7")]));
    assert.deepEqual(await withStore(dir, async (store) => storedNodeIdentity(store)), { nodeId: "node-7" });
    const identity = await settle(dir, "node-7");
    assert.equal(identity.nodeId, "node-7");
    assert.ok(isIncarnation(identity.incarnation));
    assert.deepEqual(await settle(dir), identity);
  });
});

test("a directory of another node, or with a damaged incarnation, is refused with a clear message", async () => {
  await withTempDir(async (dir) => {
    await settle(dir, "node-1");
    await assert.rejects(settle(dir, "node-2"), /belongs to node "node-1", not "node-2"; use --id node-1/);
    await withStore(dir, (store) => store.write([{ db: "meta", key: Buffer.from("incarnation"), value: Buffer.from("xyz") }]));
    await assert.rejects(settle(dir, "node-1"), /incarnation is damaged: "xyz" is not 32 hex digits/);
  });
});

test("an --id that cannot name a node is refused before anything is written", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(settle(dir, "node 1"), /--id: a node id is made of letters, digits/);
    assert.deepEqual(await withStore(dir, async (store) => storedNodeIdentity(store)), {});
  });
});
