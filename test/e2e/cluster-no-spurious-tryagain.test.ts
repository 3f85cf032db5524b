// A write that aborts must not make the next write of the same key fail, and after a restart the
// in-doubt transactions are resolved promptly: a prepare that meets a lock held by a transaction
// being resolved waits for it instead of refusing (PROTOCOL.md, Writes 3). Real processes, ioredis.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { TestCluster } from "../support/cluster.js";

const ROUNDS = 100;

describe("no spurious TRYAGAIN", { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let redis: Redis;

  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, replicas: 3 });
    redis = cluster.client();
    await redis.connect();
  });
  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  test(`${ROUNDS} rounds of DEL of a missing key then SET of it at once: every SET answers OK`, async () => {
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const key = `loop:${round % 7}`;
      await redis.del(key).catch((error: Error) => failures.push(`DEL: ${error.message}`));
      // The DEL's abort (nothing to delete) and this SET's prepare cross on the way to the replicas.
      const [deleted, set] = await Promise.allSettled([redis.del(key), redis.set(key, `v${round}`)]);
      if (deleted.status === "rejected") failures.push(`DEL: ${(deleted.reason as Error).message}`);
      if (set.status === "rejected") failures.push(`SET: ${(set.reason as Error).message}`);
    }
    assert.deepEqual(failures, []);
  });

  test("right after the coordinator restarts, writes succeed (no 'still in doubt' for seconds)", async () => {
    await cluster.killCoordinator();
    await cluster.restartCoordinator();
    await cluster.waitForNodesUp();
    const fresh = cluster.client();
    await fresh.connect();
    const started = performance.now();
    const failures: string[] = [];
    try {
      for (let i = 0; i < 30; i += 1) {
        await fresh.set(`after-restart:${i}`, "v").catch((error: Error) => failures.push(error.message));
      }
    } finally {
      fresh.disconnect();
    }
    assert.deepEqual(failures, [], `failed writes within ${(performance.now() - started).toFixed(0)} ms of the restart`);
  });
});
