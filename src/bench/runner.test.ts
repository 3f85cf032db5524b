import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BenchRun, type BenchChannel, type BenchPlan, type FailureKind } from "./runner.js";
import { WorkloadGenerator, type CommandArgs } from "./workload.js";

class LostConnection extends Error {}
class ReplyError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** A channel that answers after a macrotask, counts what it saw, and can fail on demand. */
class FakeChannel implements BenchChannel {
  sent: CommandArgs[] = [];
  inFlight = 0;
  inFlightMax = 0;
  closed = false;

  constructor(private readonly answer: (args: CommandArgs, count: number) => "ok" | Error = () => "ok") {}

  send(args: CommandArgs): Promise<unknown> {
    this.sent.push(args);
    this.inFlight += 1;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
    const outcome = this.answer(args, this.sent.length);
    return new Promise((resolve, reject) => setImmediate(() => {
      this.inFlight -= 1;
      if (outcome === "ok") resolve("OK");
      else reject(outcome);
    }));
  }

  close(): void {
    this.closed = true;
  }
}

function classify(error: unknown): FailureKind {
  if (error instanceof LostConnection) return { code: "CONNECTION", connectionLost: true };
  return { code: error instanceof ReplyError ? error.code : "UNKNOWN", connectionLost: false };
}

function plan(channels: FakeChannel[], overrides: Partial<BenchPlan> = {}): BenchPlan {
  let opened = 0;
  return {
    clients: channels.length,
    pipeline: 1,
    stop: { requests: 100 },
    warmupMs: 0,
    preload: false,
    valueBytes: 10,
    workload: new WorkloadGenerator({ workload: "set", readRatio: 0, keyspace: 1000, valueBytes: 10 }),
    openChannel: async () => channels[opened++]!,
    classifyFailure: classify,
    ...overrides,
  };
}

describe("BenchRun", () => {
  it("sends exactly the requested number of measured requests over all clients, then closes them", async () => {
    const channels = [new FakeChannel(), new FakeChannel(), new FakeChannel()];
    const run = new BenchRun(plan(channels, { stop: { requests: 301 } }));
    const result = await run.run();
    assert.equal(result.requests, 301);
    assert.equal(channels.reduce((sum, channel) => sum + channel.sent.length, 0), 301);
    assert.ok(channels.every((channel) => channel.sent.length > 50), "the load is spread over the clients");
    assert.ok(channels.every((channel) => channel.closed));
    assert.ok(result.opsPerSec > 0 && result.latencyMs.p50 > 0 && result.latencyMs.max >= result.latencyMs.p99);
    assert.equal(run.progress(), 1);
  });

  it("keeps `pipeline` requests in flight on each connection", async () => {
    const channel = new FakeChannel();
    await new BenchRun(plan([channel], { pipeline: 8, stop: { requests: 400 } })).run();
    assert.equal(channel.inFlightMax, 8);
  });

  it("stops after the duration and does not measure the warmup", async () => {
    const channel = new FakeChannel();
    const started = performance.now();
    // Windows long enough that a loaded machine (a 2-core box running other test processes) still
    // answers requests in each; the bounds check that the run stops, not how fast the machine is.
    const result = await new BenchRun(plan([channel], { stop: { durationMs: 400 }, warmupMs: 200 })).run();
    const tookMs = performance.now() - started;
    assert.ok(tookMs >= 600 && tookMs < 4000, `took ${tookMs} ms`);
    assert.ok(result.requests > 0 && result.requests < channel.sent.length, "warmup requests are sent but not counted");
    assert.ok(result.elapsedMs >= 390 && result.elapsedMs < 3000, `measured ${result.elapsedMs} ms`);
  });

  it("counts error replies by code and keeps going", async () => {
    const channel = new FakeChannel((_args, count) => (count % 4 === 0 ? new ReplyError("TRYAGAIN") : "ok"));
    const result = await new BenchRun(plan([channel], { stop: { requests: 100 } })).run();
    assert.deepEqual(result.errors, { TRYAGAIN: 25 });
    assert.equal(result.errorsTotal, 25);
    assert.equal(result.requests, 75);
  });

  it("stops the lanes of a lost connection and reports it, while the others go on", async () => {
    const lost = new FakeChannel((_args, count) => (count >= 5 ? new LostConnection() : "ok"));
    const healthy = new FakeChannel();
    const result = await new BenchRun(plan([lost, healthy], { pipeline: 3, stop: { requests: 200 } })).run();
    assert.equal(result.clientsLost, 1);
    assert.ok(lost.sent.length <= 7, `the lost connection got ${lost.sent.length} sends`);
    assert.ok((result.errors.CONNECTION ?? 0) >= 1);
    assert.equal(result.requests + result.errorsTotal, 200);
  });

  it("preloads every key of the keyspace with MSET batches before measuring", async () => {
    const channels = [new FakeChannel(), new FakeChannel()];
    const workload = new WorkloadGenerator({ workload: "get", readRatio: 1, keyspace: 1234, valueBytes: 10 });
    const result = await new BenchRun(plan(channels, { preload: true, workload, stop: { requests: 10 } })).run();
    const msets = channels.flatMap((channel) => channel.sent.filter((args) => args[0] === "MSET"));
    const keys = new Set(msets.flatMap((args) => args.filter((_, i) => i % 2 === 1).map(String)));
    assert.equal(keys.size, 1234);
    assert.equal(result.preloadedKeys, 1234);
    assert.ok(msets.every((args) => args.length <= 1 + 2 * 500), "batches are bounded");
  });

  it("fails with the connect error and closes what it opened when a client cannot connect", async () => {
    const good = new FakeChannel();
    let calls = 0;
    const failing = plan([good], {
      clients: 2,
      openChannel: async () => {
        calls += 1;
        if (calls === 2) throw new Error("connect ECONNREFUSED 127.0.0.1:1");
        return good;
      },
    });
    await assert.rejects(new BenchRun(failing).run(), /ECONNREFUSED/);
    assert.equal(good.closed, true);
  });
});
