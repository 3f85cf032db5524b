import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientError, ClientResult, CoordinatorEffect, CoordinatorEvent } from "../core/cluster/types.js";
import { RingkvError } from "../shared/errors.js";
import { encodeEntry, isError, parseCommand, type Command, type SingleCommand } from "../core/commands/index.js";
import { CoordinatorBackend } from "./coordinator-backend.js";

const NOW_MS = 1_767_225_600_000;

function cmd(...words: string[]): Command {
  const parsed = parseCommand(words.map((word) => Buffer.from(word)));
  if (isError(parsed)) throw new Error(parsed.message);
  return parsed;
}

/** As the link delivers a stored value: a Buffer. */
const entry = (value: string, expiresAtMs?: number): Buffer =>
  Buffer.from(encodeEntry(expiresAtMs === undefined ? { kind: "string", value: Buffer.from(value) } : { kind: "string", value: Buffer.from(value), expiresAtMs }));

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
    valueBytesMax: 1024,
    nowMs: () => NOW_MS,
  });
  return { backend, fed };
}

test("a read the machine answers in the same step is answered synchronously", () => {
  const { backend, fed } = backendAnswering(() => ({ result: { kind: "values", values: [entry("v")] } }));
  const value = backend.command(cmd("GET", "k"));
  assert.ok(!(value instanceof Promise), "no promise for an immediate answer");
  assert.deepEqual(value, { kind: "bulk", value: Buffer.from("v") });
  assert.equal(fed[0]!.deadlineTick, 507);
});

test("a request refused in the same step throws its RingkvError synchronously", () => {
  const { backend } = backendAnswering(() => ({ error: { code: "CLUSTERDOWN", message: "only 1 of the 2 storage nodes needed have joined" } }));
  assert.throws(() => backend.command(cmd("MGET", "a")), (error: unknown) => {
    assert.ok(error instanceof RingkvError);
    assert.equal(error.code, "CLUSTERDOWN");
    return true;
  });
});

test("a later answer settles the promise, and the next request is not mistaken for it", async () => {
  const { backend, fed } = backendAnswering((event) => (event.op.kind === "set" ? "later" : { result: { kind: "values", values: [entry("1"), null] } }));
  const written = backend.command(cmd("SET", "k", "v"));
  assert.ok(written instanceof Promise);
  assert.deepEqual(backend.command(cmd("EXISTS", "k", "j")), { kind: "integer", value: 1 });
  backend.settle(fed[0]!.requestId, { result: { kind: "set", written: true } });
  assert.deepEqual(await written, { kind: "status", text: "OK" });
});

test("an outcome-unknown failure says so, and failAll ends what is still waiting", async () => {
  const { backend, fed } = backendAnswering(() => "later");
  const first = backend.command(cmd("MSET", "a", "1"));
  const second = backend.command(cmd("DEL", "a"));
  backend.settle(fed[0]!.requestId, { error: { code: "TIMEOUT", message: "the deadline passed", outcomeUnknown: true } });
  await assert.rejects(first as Promise<unknown>, (error: unknown) => {
    assert.ok(error instanceof RingkvError);
    assert.equal(error.code, "TIMEOUT");
    assert.match(error.message, /the deadline passed \(the write may or may not have been applied\)/);
    return true;
  });
  backend.failAll("the coordinator is stopping");
  await assert.rejects(second as Promise<unknown>, (error: unknown) => error instanceof RingkvError && error.code === "TRYAGAIN");
});

test("a request fed while the driver is busy (queued: no effects yet) waits for its settle", async () => {
  let queued = 0;
  const backend = new CoordinatorBackend({
    feed: (event) => {
      if (event.kind === "client") queued = event.requestId;
      return undefined;
    },
    currentTick: () => 0, deadlineTicks: 10, info: () => ({}), extraCommands: [], infoKeyCount: async () => 0, valueBytesMax: 1024,
  });
  const count = backend.dbsize();
  assert.ok(count instanceof Promise);
  backend.settle(queued, { result: { kind: "count", count: 42 } });
  assert.equal(await count, 42);
});

test("values travel as entries: SET and MSET encode them, reads judge expiry at the coordinator's clock", () => {
  const { backend, fed } = backendAnswering((event) => {
    if (event.op.kind === "get") return { result: { kind: "values", values: [entry("live", NOW_MS + 1), entry("gone", NOW_MS)] } };
    return { result: event.op.kind === "mset" ? { kind: "ok" } : { kind: "set", written: true } };
  });
  backend.command(cmd("SET", "k", "v"));
  backend.command(cmd("MSET", "a", "1", "b", "2"));
  const [set, mset] = [fed[0]!.op, fed[1]!.op];
  assert.ok(set.kind === "set" && mset.kind === "mset");
  assert.deepEqual(Buffer.from(set.value), entry("v"));
  assert.deepEqual(mset.pairs.map(([key, value]) => [Buffer.from(key).toString(), Buffer.from(value)]), [["a", entry("1")], ["b", entry("2")]]);
  const read = backend.command(cmd("MGET", "live", "gone"));
  assert.deepEqual(read, { kind: "array", items: [{ kind: "bulk", value: Buffer.from("live") }, { kind: "nil" }] });
});

test("a write that depends on what its keys hold is the machine's command op, at the coordinator's clock", () => {
  const { backend, fed } = backendAnswering(() => ({ result: { kind: "reply", reply: { kind: "integer", value: 3n } } }));
  for (const words of [["INCR", "n"], ["SET", "k", "v", "NX"], ["SET", "k", "v", "EX", "5"], ["DEL", "k"], ["EXPIRE", "k", "9"], ["HSET", "h", "f", "v"]]) {
    const reply = backend.command(cmd(...words));
    assert.deepEqual(reply, { kind: "integer", value: 3n });
    const op = fed.at(-1)!.op;
    assert.equal(op.kind, "command", words.join(" "));
    assert.equal(op.kind === "command" && op.nowMs, NOW_MS);
  }
});

test("EXEC with watched keys is refused clearly, not run unchecked", () => {
  const { backend, fed } = backendAnswering(() => "later");
  const reply = backend.command({ kind: "exec", commands: [cmd("INCR", "n") as SingleCommand] }, { watched: [{ key: Buffer.from("n"), dirty: false, expiresAtMs: undefined }] });
  assert.equal((reply as { kind: string }).kind, "error");
  assert.equal(fed.length, 0);
});

test("a plain SET or MSET with a value over the limit is refused as executeCommand refuses it, before the machine", () => {
  const { backend, fed } = backendAnswering(() => ({ result: { kind: "ok" } }));
  const over = "x".repeat(1025);
  assert.deepEqual(backend.command(cmd("SET", "k", over)), { kind: "error", code: "ERR", message: "value is 1025 bytes, the limit is 1024 bytes" });
  assert.deepEqual(backend.command(cmd("MSET", "a", "1", "b", over)), { kind: "error", code: "ERR", message: "value is 1025 bytes, the limit is 1024 bytes" });
  assert.equal(fed.length, 0, "nothing reached the machine");
  backend.command(cmd("SET", "k", "x".repeat(1024)));
  assert.equal(fed.length, 1, "a value at the limit is written");
});
