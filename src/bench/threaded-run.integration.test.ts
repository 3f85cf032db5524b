import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../../test/support/ports.js";
import { startTestServer, type TestServer } from "../../test/support/server.js";
import { splitEvenly, ThreadedBenchRun } from "./threaded-run.js";


describe("splitEvenly", () => {
  const cases: Array<[number, number, number[]]> = [[10, 3, [4, 3, 3]], [2, 2, [1, 1]], [0, 2, [0, 0]], [7, 1, [7]]];
  for (const [total, parts, expected] of cases) {
    it(`cuts ${total} into ${parts}`, () => assert.deepEqual(splitEvenly(total, parts), expected));
  }
});

describe("ThreadedBenchRun", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(0);
  });
  after(() => server.server.close());

  // A function: the server's port is known only once it listens.
  const plan = () => ({
    threads: 3, clients: 5, pipeline: 2, warmupMs: 0,
    shape: { workload: "mixed" as const, readRatio: 0.5, keyspace: 200, valueBytes: 8 },
    channel: { host: "127.0.0.1", port: server.port, password: undefined, timeoutMs: 5000 },
  });

  it("preloads, then runs exactly the requests asked over its threads, and merges their figures", async () => {
    const run = new ThreadedBenchRun({ ...plan(), stop: { requests: 1000 }, preload: true });
    const result = await run.run();
    assert.equal(result.requests, 1000);
    assert.equal(result.errorsTotal, 0);
    assert.equal(result.preloadedKeys, 200);
    assert.equal(server.backend.data.size, 200);
    assert.ok(result.opsPerSec > 0 && result.latencyMs.max >= result.latencyMs.p50);
    assert.equal(run.progress(), 1);
    assert.equal(run.completed, 1000);
  });

  it("fails with the thread's reason when it cannot connect", async () => {
    const closedPort = await freePort();
    const run = new ThreadedBenchRun({ ...plan(), stop: { requests: 10 }, preload: false, channel: { ...plan().channel, port: closedPort } });
    await assert.rejects(run.run(), new RegExp(`bench thread \\d: cannot connect to 127\\.0\\.0\\.1:${closedPort}`));
  });
});
