import { test } from "node:test";
import assert from "node:assert/strict";
import { CoordinatorMachine } from "../core/cluster/coordinator.js";
import { clusterCommands } from "./coordinator-views.js";

test("RINGKV NODES lists the storage nodes by id, numbers compared as numbers", async () => {
  const machine = new CoordinatorMachine({ replicas: 2 });
  const [epoch] = machine.step({ kind: "recovered", epoch: 1, members: [], sealed: false, decisions: [], inSync: [] });
  assert.ok(epoch?.kind === "persist");
  machine.step({ kind: "persisted", token: epoch.token });
  ["node-10", "node-2", "node-1"].forEach((id, connection) => {
    const hello = { type: "hello", nodeId: id, address: `127.0.0.1:${7000 + Number(id.slice(5))}`, incarnation: "0f".repeat(16) };
    machine.step({ kind: "hello", connection, hello, proofValid: true });
  });
  const facts = new Map([["node-2", { keys: 12, dataBytes: 40_960, version: "9.9.9", uptimeSeconds: 61 }]]);
  const removals: Array<[string, boolean]> = [];
  const [ringkv] = clusterCommands(machine, () => "status", (id) => facts.get(id), () => ({ round: 1, started: true }), (nodeId, dead) => {
    removals.push([nodeId, dead]);
    return "OK";
  });
  const rows = (await ringkv!.run([Buffer.from("RINGKV"), Buffer.from("NODES")])) as Array<Map<string, unknown>>;
  assert.deepEqual(rows.map((row) => row.get("id")), ["node-1", "node-2", "node-10"]);
  assert.deepEqual(rows.map((row) => row.get("state")), ["up", "up", "up"]);
  // What each node reported about itself; "-" for one that has not.
  assert.deepEqual(rows.map((row) => [row.get("keys"), row.get("data_bytes"), row.get("version"), row.get("uptime_seconds")]),
    [["-", "-", "-", "-"], [12, 40_960, "9.9.9", 61], ["-", "-", "-", "-"]]);
  assert.deepEqual(rows.map((row) => row.get("role")), ["standby", "standby", "standby"], "joining: their members records are not durable yet");
  const moves = (await ringkv!.run([Buffer.from("RINGKV"), Buffer.from("MOVES")])) as Map<string, unknown>;
  assert.equal(moves.get("state"), "none");
  const args = (...words: string[]) => words.map((word) => Buffer.from(word));
  assert.equal(await ringkv!.run(args("RINGKV", "REMOVE", "node-2", "dead")), "OK");
  assert.equal(await ringkv!.run(args("RINGKV", "REMOVE", "node-1")), "OK");
  assert.deepEqual(removals, [["node-2", true], ["node-1", false]]);
  assert.throws(() => ringkv!.run(args("RINGKV", "REMOVE", "node-1", "later")), /wrong arguments/);
});

test("while the coordinator reads its log, RINGKV NODES answers CLUSTERDOWN rather than an empty membership; STATUS answers", async () => {
  const machine = new CoordinatorMachine({ replicas: 2 });
  const members = [{ id: "node-1", address: "127.0.0.1:7001", incarnation: "0f".repeat(16) }];
  machine.step({ kind: "recovered", epoch: 1, members, sealed: true, decisions: [], inSync: [] });
  const [ringkv] = clusterCommands(machine, () => "status", () => undefined, () => ({ round: 1, started: true }), () => "OK");
  const args = (...words: string[]) => words.map((word) => Buffer.from(word));
  for (const sub of ["NODES", "MOVES"]) {
    assert.throws(() => ringkv!.run(args("RINGKV", sub)), (error: Error & { code?: string }) =>
      error.code === "CLUSTERDOWN" && /still recovering/.test(error.message), sub);
  }
  assert.equal(await ringkv!.run(args("RINGKV", "STATUS")), "status");
});
