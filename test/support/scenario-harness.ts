// A tiny cluster for scenario and property tests: one coordinator machine and a few participant
// machines, each under the one driver (src/core/driver.ts) with a scripted port: a Map-backed "disk"
// (the simulator's, applying records as the core says), and a message queue that a test delivers,
// drops, duplicates or reorders by hand. Persists complete only when the test says so, and a crash
// throws away whatever was not yet durable and every message in flight. Every step is followed by
// the machines' invariant checks. Test support only; deterministic.

import { CoordinatorMachine } from "../../src/core/cluster/coordinator.js";
import type { CoordinatorOptions, ParticipantOptions } from "../../src/core/cluster/config.js";
import { keyString } from "../../src/core/cluster/key-string.js";
import { ParticipantMachine } from "../../src/core/cluster/participant.js";
import type {
  Bytes, ClientError, ClientOp, ClientResult, ConnectionId, CoordinatorEffect, CoordinatorEvent, CoordinatorRecord, CoordinatorToNode,
  NodeId, NodeToCoordinator, ParticipantEffect, ParticipantEvent, ParticipantRecord,
} from "../../src/core/cluster/types.js";
import { Driver } from "../../src/core/driver.js";
import {
  applyCoordinatorRecords, applyParticipantRecords, emptyCoordinatorDurable, emptyParticipantDurable, participantDataView,
  recoveredCoordinatorState,
  recoveredParticipantState, type CoordinatorDurable, type ParticipantDurable,
} from "../../src/sim/sim-disk.js";

export const COORDINATOR = "coordinator";

export interface Envelope {
  from: string;
  to: string;
  /** The connection it travels on: lost when that is no longer the node's current one. */
  connection: ConnectionId;
  message: CoordinatorToNode | NodeToCoordinator;
}

interface PendingPersist<PersistRecord> {
  records: PersistRecord[];
  durable: () => void;
}

export type Answer = { tick: number; result: ClientResult; error?: undefined } | { tick: number; error: ClientError; result?: undefined };

export interface HarnessNode {
  readonly id: NodeId;
  /** Names this node's disk: made with the disk, kept across restarts (see MemberInfo). */
  readonly incarnation: string;
  machine: ParticipantMachine;
  driver: Driver<ParticipantEvent, ParticipantEffect, ParticipantRecord>;
  /** Durable state: data and prepared records. */
  readonly disk: ParticipantDurable;
  pendingPersists: Array<PendingPersist<ParticipantRecord>>;
  up: boolean;
  /** Its current connection to the coordinator (0: never connected). */
  connection: ConnectionId;
  /** Every value a committed record ever wrote here, as `key=value` (durable history, for checkers). */
  readonly appliedHistory: Set<string>;
}

export interface HarnessOptions {
  nodeIds?: string[];
  coordinator?: CoordinatorOptions;
  participant?: ParticipantOptions;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const bytes = (text: string): Bytes => encoder.encode(text);
export const text = (value: Bytes | null | undefined): string | null => (value === null || value === undefined ? null : decoder.decode(value));

export class ClusterHarness {
  readonly nodes = new Map<NodeId, HarnessNode>();
  readonly answers = new Map<number, Answer>();
  readonly logs: Array<{ who: string; level: string; message: string; fields?: Record<string, unknown> }> = [];
  readonly refused: Array<{ nodeId: NodeId; reason: string }> = [];
  network: Envelope[] = [];
  coordinator: CoordinatorMachine;
  #coordinatorDriver: Driver<CoordinatorEvent, CoordinatorEffect, CoordinatorRecord>;
  coordinatorPersists: Array<PendingPersist<CoordinatorRecord>> = [];
  readonly coordinatorDisk: CoordinatorDurable = emptyCoordinatorDurable();
  tick = 0;
  #nextRequestId = 1;
  #nextConnection = 1;
  #disksMade = 0;

  constructor(private readonly options: HarnessOptions = {}) {
    this.coordinator = this.#newCoordinator();
    this.#coordinatorDriver = this.#coordinatorDriverFor(this.coordinator);
  }

  /** Starts every machine (the coordinator's new epoch made durable), connects the nodes and completes their joins. */
  start(): this {
    this.#recoverCoordinator();
    this.completePersists(COORDINATOR);
    for (const id of this.options.nodeIds ?? ["n1", "n2", "n3"]) this.addNode(id);
    this.completePersists(COORDINATOR);
    return this;
  }

  /**
   * Starts a participant with an empty disk (a new incarnation) and connects it. For a known id
   * this is that node back on a new or wiped data directory; the old node's disk is dropped.
   */
  addNode(id: NodeId): HarnessNode {
    this.#disksMade += 1;
    const disk = emptyParticipantDurable();
    const machine = this.#newParticipant(id, disk);
    const node = {
      id, incarnation: hexIncarnation(`${id}-disk${this.#disksMade}`), machine, disk, pendingPersists: [], up: false, connection: 0,
      appliedHistory: new Set<string>(),
    } as Omit<HarnessNode, "driver"> as HarnessNode;
    node.driver = this.#participantDriverFor(node);
    this.nodes.set(id, node);
    this.#stepNode(node, { kind: "recovered", prepared: [] });
    this.#connect(node);
    return node;
  }

  // ------------------------------------------------------------ clients

  request(op: ClientOp, deadlineTicks = 1_000): number {
    const requestId = this.#nextRequestId;
    this.#nextRequestId += 1;
    this.#stepCoordinator({ kind: "client", requestId, op, deadlineTick: this.tick + deadlineTicks });
    return requestId;
  }

  set(key: string, value: string, options: { condition?: "NX" | "XX"; returnPrevious?: boolean } = {}): number {
    return this.request({ kind: "set", key: bytes(key), value: bytes(value), ...options });
  }

  get(...keys: string[]): number {
    return this.request({ kind: "get", keys: keys.map(bytes) });
  }

  answer(requestId: number): Answer | undefined {
    return this.answers.get(requestId);
  }

  /** The values a GET answered, as text. */
  values(requestId: number): Array<string | null> {
    const result = this.answers.get(requestId)?.result;
    if (result?.kind !== "values") throw new Error(`request ${requestId} has no values: ${JSON.stringify(this.answers.get(requestId))}`);
    return result.values.map(text);
  }

  // ------------------------------------------------------------ network

  /** Messages in flight that match. */
  inFlight(filter: (envelope: Envelope) => boolean = () => true): Envelope[] {
    return this.network.filter(filter);
  }

  /** Delivers the matching messages now in flight, in order; returns how many. */
  deliver(filter: (envelope: Envelope) => boolean = () => true): number {
    const chosen = this.network.filter(filter);
    this.network = this.network.filter((envelope) => !chosen.includes(envelope));
    for (const envelope of chosen) this.#deliver(envelope);
    return chosen.length;
  }

  drop(filter: (envelope: Envelope) => boolean): number {
    const before = this.network.length;
    this.network = this.network.filter((envelope) => !filter(envelope));
    return before - this.network.length;
  }

  /** Puts a copy of each matching message at the end of the queue. */
  duplicate(filter: (envelope: Envelope) => boolean): number {
    const copies = this.network.filter(filter).map((envelope) => ({ ...envelope }));
    this.network.push(...copies);
    return copies.length;
  }

  // ------------------------------------------------------------ disks and time

  /** Completes pending persists of one machine (or all), oldest first, at most `countMax` per machine; returns how many. */
  completePersists(who?: string, countMax = Infinity): number {
    let count = 0;
    if (who === undefined || who === COORDINATOR) {
      const pending = this.coordinatorPersists.slice(0, countMax);
      this.coordinatorPersists = this.coordinatorPersists.slice(pending.length);
      for (const { records, durable } of pending) {
        applyCoordinatorRecords(this.coordinatorDisk, records);
        durable();
        count += 1;
      }
    }
    for (const node of this.nodes.values()) {
      if (who !== undefined && who !== node.id) continue;
      const pending = node.pendingPersists.slice(0, countMax);
      node.pendingPersists = node.pendingPersists.slice(pending.length);
      for (const { records, durable } of pending) {
        applyParticipantRecords(node.disk, records);
        recordHistory(node, records);
        durable();
        count += 1;
      }
    }
    return count;
  }

  advance(ticks: number): void {
    for (let step = 0; step < ticks; step += 1) {
      this.tick += 1;
      this.#stepCoordinator({ kind: "tick", tick: this.tick });
      for (const node of this.nodes.values()) if (node.up) this.#stepNode(node, { kind: "tick", tick: this.tick });
    }
  }

  /** Delivers every message and completes every persist until nothing is left (no time passes). */
  settle(roundsMax = 1_000): void {
    for (let round = 0; round < roundsMax; round += 1) {
      if (this.deliver() + this.completePersists() === 0) return;
    }
    throw new Error(`the cluster did not settle within ${roundsMax} rounds`);
  }

  /** settle(), then let time pass, until every request is answered and nothing is in flight. */
  settleWithTime(ticksMax = 5_000, stepTicks = 10): void {
    for (let waited = 0; waited <= ticksMax; waited += stepTicks) {
      this.settle();
      const view = this.coordinator.view();
      const busy = view.transactionsInFlight + view.decisionsUnacknowledged + view.readsInFlight + view.lockedKeys;
      const inDoubt = [...this.nodes.values()].some((node) => node.disk.prepared.size > 0);
      if (busy === 0 && !inDoubt) return;
      this.advance(stepTicks);
    }
    throw new Error(`the cluster was still busy after ${ticksMax} ticks: ${JSON.stringify(this.coordinator.view())}`);
  }

  // ------------------------------------------------------------ crashes

  /** The coordinator dies: unpersisted records and messages to and from it are lost; then it restarts. */
  crashCoordinator(): void {
    this.coordinatorPersists = [];
    this.network = this.network.filter((envelope) => envelope.from !== COORDINATOR && envelope.to !== COORDINATOR);
    this.coordinator = this.#newCoordinator();
    this.#coordinatorDriver = this.#coordinatorDriverFor(this.coordinator);
    this.#recoverCoordinator();
    this.completePersists(COORDINATOR);
    for (const node of this.nodes.values()) if (node.up) this.#connect(node);
  }

  /** A storage node dies: unpersisted records and its messages are lost; the coordinator sees its connection close. */
  crashNode(id: NodeId): void {
    const node = this.#node(id);
    node.pendingPersists = [];
    node.up = false;
    this.network = this.network.filter((envelope) => envelope.from !== id && envelope.to !== id);
    this.#stepCoordinator({ kind: "connectionClosed", connection: node.connection });
  }

  /** The node's connection is replaced by a new one (no close seen): messages on the old one are lost. */
  reconnectNode(id: NodeId): void {
    this.network = this.network.filter((envelope) => envelope.from !== id && envelope.to !== id);
    this.#connect(this.#node(id));
  }

  /** The node starts again from its disk and reconnects. */
  restartNode(id: NodeId): void {
    const node = this.#node(id);
    node.machine = this.#newParticipant(id, node.disk);
    node.driver = this.#participantDriverFor(node);
    this.#stepNode(node, { kind: "recovered", ...recoveredParticipantState(node.disk) });
    this.#connect(node);
  }

  // ------------------------------------------------------------ inspection

  replicasOf(key: string): NodeId[] {
    return this.coordinator.locate(bytes(key)).replicas.map((replica) => replica.id);
  }

  /** The durable value of `key` on `nodeId`. */
  valueOn(nodeId: NodeId, key: string): string | null {
    return text(this.#node(nodeId).disk.data.get(keyString(bytes(key))));
  }

  /** The value on every replica of `key`, in replica order. */
  valuesOnReplicas(key: string): Array<string | null> {
    return this.replicasOf(key).map((nodeId) => this.valueOn(nodeId, key));
  }

  /** A key whose replica set is exactly `nodeIds` (in any order), found by trying key0, key1, ... */
  keyOn(nodeIds: NodeId[], prefix = "key"): string {
    const wanted = [...nodeIds].sort().join(",");
    for (let index = 0; index < 100_000; index += 1) {
      const key = `${prefix}${index}`;
      if ([...this.replicasOf(key)].sort().join(",") === wanted) return key;
    }
    throw new Error(`no key is placed on exactly ${wanted}`);
  }

  errorLogs(): Array<{ who: string; message: string }> {
    return this.logs.filter((log) => log.level === "error");
  }

  // ------------------------------------------------------------ internals

  #newCoordinator(): CoordinatorMachine {
    return new CoordinatorMachine({ partitions: 64, vnodesPerNode: 16, replicas: 2, ...this.options.coordinator });
  }

  #newParticipant(id: NodeId, disk: ParticipantDurable): ParticipantMachine {
    return new ParticipantMachine({ nodeId: id, ...this.options.participant }, participantDataView(disk));
  }

  #coordinatorDriverFor(machine: CoordinatorMachine): Driver<CoordinatorEvent, CoordinatorEffect, CoordinatorRecord> {
    return new Driver<CoordinatorEvent, CoordinatorEffect, CoordinatorRecord>(machine, {
      persist: (records, durable) => this.coordinatorPersists.push({ records, durable }),
      carry: (effect) => this.#carryCoordinatorEffect(effect),
    }, { afterStep: () => machine.assertInvariants() });
  }

  #participantDriverFor(node: HarnessNode): Driver<ParticipantEvent, ParticipantEffect, ParticipantRecord> {
    const { machine } = node;
    return new Driver<ParticipantEvent, ParticipantEffect, ParticipantRecord>(machine, {
      persist: (records, durable) => node.pendingPersists.push({ records, durable }),
      carry: (effect) => {
        if (effect.kind === "send") this.network.push({ from: node.id, to: COORDINATOR, connection: node.connection, message: effect.message });
        else this.logs.push({ who: node.id, level: effect.level, message: effect.message });
      },
    }, { afterStep: () => machine.assertInvariants() });
  }

  #node(id: NodeId): HarnessNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  #recoverCoordinator(): void {
    this.#stepCoordinator({ kind: "recovered", ...recoveredCoordinatorState(this.coordinatorDisk) });
  }

  #connect(node: HarnessNode): void {
    node.up = true;
    node.connection = this.#nextConnection;
    this.#nextConnection += 1;
    const address = `127.0.0.1:${7000 + Number(node.id.replace(/\D/g, "") || 0)}`;
    const hello = { type: "hello", nodeId: node.id, incarnation: node.incarnation, address };
    this.#stepCoordinator({ kind: "hello", connection: node.connection, hello, proofValid: true });
    // A refused node's connection is closed: like the runtime's, it never counts itself connected.
    if (node.up) this.#stepNode(node, { kind: "connected" });
  }

  #deliver(envelope: Envelope): void {
    if (envelope.to === COORDINATOR) {
      this.#stepCoordinator({ kind: "message", connection: envelope.connection, message: envelope.message as NodeToCoordinator });
      return;
    }
    const node = this.#node(envelope.to);
    if (node.up && node.connection === envelope.connection) this.#stepNode(node, { kind: "message", message: envelope.message as CoordinatorToNode });
  }

  #stepCoordinator(event: CoordinatorEvent): void {
    this.#coordinatorDriver.feed(event);
  }

  #carryCoordinatorEffect(effect: Exclude<CoordinatorEffect, { kind: "persist" }>): void {
    switch (effect.kind) {
      case "send":
        if (this.nodes.get(effect.to)?.up === true) this.network.push({ from: COORDINATOR, to: effect.to, connection: effect.connection, message: effect.message });
        return;
      case "reply":
      case "fail": {
        if (this.answers.has(effect.requestId)) throw new Error(`request ${effect.requestId} answered twice`);
        this.answers.set(effect.requestId, effect.kind === "reply" ? { tick: this.tick, result: effect.result } : { tick: this.tick, error: effect.error });
        return;
      }
      case "refuse": {
        // The port closes the connection; the refused node stays out.
        const node = [...this.nodes.values()].find((candidate) => candidate.connection === effect.connection);
        this.refused.push({ nodeId: node?.id ?? "?", reason: effect.reason });
        if (node !== undefined) node.up = false;
        return;
      }
      case "closeConnection":
      case "welcome":
        return;
      case "log":
        this.logs.push({ who: COORDINATOR, level: effect.level, message: effect.message, ...(effect.fields ? { fields: effect.fields } : {}) });
        return;
    }
  }

  #stepNode(node: HarnessNode, event: ParticipantEvent): void {
    node.driver.feed(event);
  }
}

/** What the committed records of a batch wrote, as `key=value`, for checkers of the durable history. */
function recordHistory(node: HarnessNode, records: readonly ParticipantRecord[]): void {
  for (const record of records) {
    if (record.type !== "committed") continue;
    for (const write of record.writes) node.appliedHistory.add(`${text(write.key)}=${text(write.value)}`);
  }
}

/** 32 hex digits naming a disk, as a real node's random incarnation would look. */
function hexIncarnation(name: string): string {
  let hex = "";
  for (const char of name) hex += char.charCodeAt(0).toString(16).padStart(2, "0");
  return hex.padEnd(32, "0").slice(0, 32);
}

/** Filters for messages: by type, and optionally by sender or receiver. */
export function ofType(type: string, where: { to?: string; from?: string } = {}): (envelope: Envelope) => boolean {
  return (envelope) => envelope.message.type === type
    && (where.to === undefined || envelope.to === where.to)
    && (where.from === undefined || envelope.from === where.from);
}
