import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientError, ClientResult, CoordinatorEffect, CoordinatorEvent } from "../core/cluster/types.js";
import { RingkvError } from "../shared/errors.js";
import { CoordinatorBackend } from "./coordinator-backend.js";

type Answer = { result: ClientResult } | { error: ClientError } | "later";

/**
 * A backend over a fake machine that answers each client event as `answer` says: in the step's
 * effects (which a driver's port also carries to settle(), before the request is pending), or later.
 */
function backendAnswering(answer: (event: Extract<CoordinatorEvent, { kind: "client" }>) => Answer) {
  const fed: Array<Extract<CoordinatorEvent, { kind: "client" }>> = [];
  const backend: CoordinatorBackend = new CoordinatorBackend({
    feed: (event) => {
      if (event.kind !== "client") return [];
      fed.push(event);
      const outcome = answer(event);
      if (outcome === "later") return [];
      const effect: CoordinatorEffect = "result" in outcome
        ? { kind: "reply", requestId: event.requestId, result: outcome.result }
        : { kind: "fail", requestId: event.requestId, error: outcome.error };
      backend.settle(event.requestId, outcome);
      return [{ kind: "log", level: "debug", message: "another effect first" }, effect];
    },
    currentTick: () => 7,
    deadlineTicks: 500,
    info: () => ({}),
    extraCommands: [],
    infoKeyCount: async () => 0,
  });
  return { backend, fed };
}

test("a read the machine answers in the same step is answered synchronously", () => {
  const { backend, fed } = backendAnswering(() => ({ result: { kind: "values", values: [Buffer.from("v")] } }));
  const value = backend.get(Buffer.from("k"));
  assert.ok(!(value instanceof Promise), "no promise for an immediate answer");
  assert.deepEqual(value, Buffer.from("v"));
  assert.equal(fed[0]!.deadlineTick, 507);
});

test("a request refused in the same step throws its RingkvError synchronously", () => {
  const { backend } = backendAnswering(() => ({ error: { code: "CLUSTERDOWN", message: "only 1 of the 2 storage nodes needed have joined" } }));
  assert.throws(() => backend.mget([Buffer.from("a")]), (error: unknown) => {
    assert.ok(error instanceof RingkvError);
    assert.equal(error.code, "CLUSTERDOWN");
    return true;
  });
});

test("a later answer settles the promise, and the next request is not mistaken for it", async () => {
  const { backend, fed } = backendAnswering((event) => (event.op.kind === "set" ? "later" : { result: { kind: "count", count: 2 } }));
  const written = backend.set(Buffer.from("k"), Buffer.from("v"), {});
  assert.ok(written instanceof Promise);
  assert.equal(backend.exists([Buffer.from("k"), Buffer.from("j")]), 2);
  backend.settle(fed[0]!.requestId, { result: { kind: "set", written: true } });
  assert.deepEqual(await written, { written: true });
});

test("an outcome-unknown failure says so, and failAll ends what is still waiting", async () => {
  const { backend, fed } = backendAnswering(() => "later");
  const first = backend.mset([[Buffer.from("a"), Buffer.from("1")]]);
  const second = backend.del([Buffer.from("a")]);
  backend.settle(fed[0]!.requestId, { error: { code: "TIMEOUT", message: "the deadline passed", outcomeUnknown: true } });
  await assert.rejects(first as Promise<void>, (error: unknown) => {
    assert.ok(error instanceof RingkvError);
    assert.equal(error.code, "TIMEOUT");
    assert.match(error.message, /the deadline passed \(the write may or may not have been applied\)/);
    return true;
  });
  backend.failAll("the coordinator is stopping");
  await assert.rejects(second as Promise<number>, (error: unknown) => error instanceof RingkvError && error.code === "TRYAGAIN");
});

test("a request fed while the driver is busy (queued: no effects yet) waits for its settle", async () => {
  let queued = 0;
  const backend = new CoordinatorBackend({
    feed: (event) => {
      if (event.kind === "client") queued = event.requestId;
      return undefined;
    },
    currentTick: () => 0, deadlineTicks: 10, info: () => ({}), extraCommands: [], infoKeyCount: async () => 0,
  });
  const count = backend.dbsize();
  assert.ok(count instanceof Promise);
  backend.settle(queued, { result: { kind: "count", count: 42 } });
  assert.equal(await count, 42);
});
