import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { CoordinatorToNode, NodeToCoordinator } from "../core/cluster/types.js";
import { CALM_PLAN, type FaultPlan } from "./faults.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import { COORDINATOR, SimNetwork } from "./sim-network.js";

const MS = 1000;

function setup(plan: Partial<FaultPlan> = {}, seed = 1) {
  const scheduler = new Scheduler(100_000);
  const events: string[] = [];
  /** Each node's latest connection, as the coordinator learned it from its hello. */
  const connections = new Map<string, number>();
  const nodeOf = new Map<number, string>();
  const network = new SimNetwork(scheduler, new Prng(seed), { ...CALM_PLAN, ...plan }, {
    toNode: (nodeId, message) => events.push(`${nodeId}<-${message.type}:${"tick" in message ? message.tick : ""}`),
    toCoordinator: (connection, message) => events.push(`coord<-${nodeOf.get(connection)}:${message.type}:${"tick" in message ? message.tick : ""}`),
    connected: (nodeId) => events.push(`${nodeId} connected`),
    hello: (nodeId, connection) => {
      connections.set(nodeId, connection);
      nodeOf.set(connection, nodeId);
      events.push(`hello ${nodeId}`);
    },
    closed: (nodeId) => events.push(`closed ${nodeId}`),
    note: () => undefined,
  }, { reconnectMinUs: 10 * MS, reconnectMaxUs: 50 * MS }, ["n1", "n2"]);
  const run = (ms: number): void => scheduler.runUntil(scheduler.nowUs + ms * MS);
  /** Sends to the node's latest connection (a node never connected: no connection, 0). */
  const sendToNode = (nodeId: string, message: CoordinatorToNode): void => network.sendToNode(connections.get(nodeId) ?? 0, message);
  return { scheduler, events, network, run, sendToNode, connections };
}

const ping = (tick: number): CoordinatorToNode => ({ type: "ping", tick });
const pong = (tick: number): NodeToCoordinator => ({ type: "pong", tick });

test("a node connects once both sides are up: connected first, then the hello, then messages flow", () => {
  const { events, network, run, sendToNode } = setup();
  network.processStarted("n1");
  run(500);
  assert.deepEqual(events, []); // no coordinator yet
  network.processStarted(COORDINATOR);
  run(500);
  assert.deepEqual(events, ["n1 connected", "hello n1"]);
  sendToNode("n1", ping(1));
  network.sendToCoordinator("n1", pong(1));
  sendToNode("n2", ping(2)); // n2 never started: no connection, dropped
  run(100);
  assert.deepEqual(events.slice(2).sort(), ["coord<-n1:pong:1", "n1<-ping:1"]);
});

test("a message in flight to a crashed node never reaches it after its restart", () => {
  const { events, network, run, scheduler, sendToNode } = setup({ latencyMinUs: 5 * MS, latencyMeanUs: 1 });
  network.processStarted(COORDINATOR);
  network.processStarted("n1");
  run(500);
  events.length = 0;
  sendToNode("n1", ping(7));
  scheduler.runUntil(scheduler.nowUs + 1 * MS); // still in flight
  network.processCrashed("n1");
  network.processStarted("n1");
  run(500);
  assert.deepEqual(events, ["closed n1", "n1 connected", "hello n1"]);
});

test("a coordinator crash closes every connection silently; its restart brings them back", () => {
  const { events, network, run } = setup();
  network.processStarted(COORDINATOR);
  network.processStarted("n1");
  network.processStarted("n2");
  run(500);
  events.length = 0;
  network.processCrashed(COORDINATOR);
  network.sendToCoordinator("n1", pong(1));
  run(500);
  assert.deepEqual(events, []); // no nodeDown to a dead coordinator, and the pong is lost
  network.processStarted(COORDINATOR);
  run(500);
  assert.deepEqual(events.sort(), ["hello n1", "hello n2", "n1 connected", "n2 connected"]);
});

test("a long cut is noticed: the coordinator sees the close, then after the heal a new connection", () => {
  const { events, network, run, sendToNode } = setup({ linkBreakDetectMeanMs: 100 });
  network.processStarted(COORDINATOR);
  network.processStarted("n1");
  run(500);
  events.length = 0;
  network.cut("n1", "both");
  sendToNode("n1", ping(1));
  run(5_000);
  assert.deepEqual(events, ["closed n1"]);
  network.heal("n1");
  run(500);
  assert.deepEqual(events, ["closed n1", "n1 connected", "hello n1"]);
});

test("a one-way cut loses one direction only, until it is noticed", () => {
  const { events, network, run, sendToNode } = setup({ linkBreakDetectMeanMs: 1_000_000 });
  network.processStarted(COORDINATOR);
  network.processStarted("n1");
  run(500);
  events.length = 0;
  network.cut("n1", "toNode");
  sendToNode("n1", ping(1));
  network.sendToCoordinator("n1", pong(2));
  run(100);
  assert.deepEqual(events, ["coord<-n1:pong:2"]);
  network.heal("n1"); // healed before noticed: the same connection goes on
  sendToNode("n1", ping(3));
  run(100);
  assert.deepEqual(events, ["coord<-n1:pong:2", "n1<-ping:3"]);
});

test("drop and duplicate rates of 1 drop everything or double everything", () => {
  for (const [plan, copies] of [[{ dropRate: 1 }, 0], [{ dupRate: 1 }, 2]] as const) {
    const { events, network, run, sendToNode } = setup(plan);
    network.processStarted(COORDINATOR);
    network.processStarted("n1");
    run(500);
    events.length = 0;
    sendToNode("n1", ping(1));
    run(100);
    assert.equal(events.length, copies);
  }
});

test("reordering changes the order of messages on one connection", () => {
  const { events, network, run, sendToNode } = setup({ reorderRate: 0.5, reorderDelayMaxUs: 20 * MS });
  network.processStarted(COORDINATOR);
  network.processStarted("n1");
  run(500);
  events.length = 0;
  for (let tick = 0; tick < 50; tick += 1) sendToNode("n1", ping(tick));
  run(100);
  const ticks = events.map((event) => Number(event.split(":")[1]));
  assert.equal(ticks.length, 50);
  assert.notDeepEqual(ticks, [...ticks].sort((a, b) => a - b));
});

test("property: under any crashes and cuts, hellos and closes alternate and no message outlives its connection", () => {
  const action = fc.record({
    kind: fc.constantFrom("crashNode", "startNode", "cut", "cutOneWay", "heal", "send"),
    waitMs: fc.integer({ min: 0, max: 3_000 }),
  });
  fc.assert(fc.property(fc.array(action, { maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (actions, seed) => {
    const scheduler = new Scheduler(100_000);
    let nodeSessions = 0; // `connected` events the node has seen: its messages carry this
    let coordinatorSessions = 0;
    let coordinatorSeesUp = false;
    let nodeAlive = true;
    const plan = { ...CALM_PLAN, dupRate: 0.2, reorderRate: 0.3, reorderDelayMaxUs: 30 * MS, linkBreakDetectMeanMs: 300 };
    const network = new SimNetwork(scheduler, new Prng(seed), plan, {
      toNode: () => undefined,
      toCoordinator: (_connection, message) => {
        assert.equal((message as { tick: number }).tick, coordinatorSessions, "a message from an older connection arrived");
      },
      connected: () => { nodeSessions += 1; },
      hello: () => {
        assert.equal(coordinatorSeesUp, false, "a hello while the previous connection still looked open");
        coordinatorSeesUp = true;
        coordinatorSessions += 1;
      },
      closed: () => {
        assert.equal(coordinatorSeesUp, true, "a close without a hello");
        coordinatorSeesUp = false;
      },
      note: () => undefined,
    }, { reconnectMinUs: 10 * MS, reconnectMaxUs: 100 * MS }, ["n1"]);
    network.processStarted(COORDINATOR);
    network.processStarted("n1");
    for (const { kind, waitMs } of actions) {
      if (kind === "crashNode" && nodeAlive) { network.processCrashed("n1"); nodeAlive = false; }
      if (kind === "startNode" && !nodeAlive) { network.processStarted("n1"); nodeAlive = true; }
      if (kind === "cut") network.cut("n1", "both");
      if (kind === "cutOneWay") network.cut("n1", "toCoordinator");
      if (kind === "heal") network.heal("n1");
      if (kind === "send" && nodeAlive) for (let i = 0; i < 5; i += 1) network.sendToCoordinator("n1", pong(nodeSessions));
      scheduler.runUntil(scheduler.nowUs + waitMs * MS);
    }
    if (!nodeAlive) network.processStarted("n1");
    network.heal("n1");
    scheduler.runUntil(scheduler.nowUs + 5_000 * MS);
    assert.equal(coordinatorSeesUp, true, "after healing everything the node is up again");
  }), { numRuns: 200 });
});
