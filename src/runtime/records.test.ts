import { test } from "node:test";
import assert from "node:assert/strict";
import { pack } from "msgpackr";
import { KVStore } from "../storage/kv-store.js";
import { withTempDir } from "../../test/support/temp-dir.js";
import { coordinatorStoreWrites, readCoordinatorState } from "./records.js";

const placement = { partitions: 16, vnodesPerNode: 4, replicas: 2 };

async function recoveredAfter(write: (store: KVStore) => Promise<void>): Promise<ReturnType<typeof readCoordinatorState>> {
  return withTempDir(async (dir) => {
    const store = await KVStore.open(dir, { kind: "coordinator" });
    try {
      await write(store);
      return readCoordinatorState(store);
    } finally {
      await store.close();
    }
  });
}

test("a members record keeps every member's incarnation", async () => {
  const members = [{ id: "n1", address: "127.0.0.1:1", incarnation: "aa".repeat(16) }, { id: "n2", address: "127.0.0.1:2", incarnation: "bb".repeat(16) }];
  const recovered = await recoveredAfter((store) => store.write(coordinatorStoreWrites([{ type: "members", members, sealed: true, placement }])));
  assert.deepEqual(recovered.members, members);
  assert.equal(recovered.sealed, true);
});

test("a members record from before incarnations recovers with empty incarnations", async () => {
  const legacy = pack({ members: [{ id: "n1", address: "127.0.0.1:1" }], sealed: true, placement });
  const recovered = await recoveredAfter((store) => store.write([{ db: "meta", key: Buffer.from("members"), value: legacy }]));
  assert.deepEqual(recovered.members, [{ id: "n1", address: "127.0.0.1:1", incarnation: "" }]);
});
