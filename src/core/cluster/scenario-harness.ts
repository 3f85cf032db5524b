// A tiny cluster for scenario and property tests: one coordinator machine and a few participant
// machines, each with a Map-backed "disk" that applies its durable records, joined by a message
// queue that a test delivers, drops, duplicates or reorders by hand. Persists complete only when the
// test says so, and a crash throws away whatever was not yet durable and every message in flight.
// Every step is followed by the machines' invariant checks. Test support only; deterministic.

import { CoordinatorMachine } from "./coordinator.js";
import type { CoordinatorOptions, ParticipantOptions } from "./config.js";
import { keyString } from "./key-string.js";
import { ParticipantMachine } from "./participant.js";
import type {
  Bytes, ClientError, ClientOp, ClientResult, CoordinatorEffect, CoordinatorRecord, CoordinatorToNode, MemberInfo,
  NodeId, NodeToCoordinator, ParticipantEffect, ParticipantRecord, Placement, TxnId, TxnWrite,
} from "./types.js";

export const COORDINATOR = "coordinator";

export interface Envelope {
  from: string;
  to: string;
  message: CoordinatorToNode | NodeToCoordinator;
}

export type Answer = { tick: number; result: ClientResult; error?: undefined } | { tick: number; error: ClientError; result?: undefined };

interface CoordinatorDisk {
  epoch: number;
  members: MemberInfo[];
  sealed: boolean;
  placement?: Placement;
  decisions: Map<TxnId, { participants: NodeId[]; writes: TxnWrite[] }>;
}

export interface HarnessNode {
  readonly id: NodeId;
  /** Names this node's disk: made with the disk, kept across restarts (see MemberInfo). */
  readonly incarnation: string;
  machine: ParticipantMachine;
  /** Durable state: data and prepared records. */
  readonly data: Map<string, Bytes>;
  readonly preparedDisk: Map<TxnId, TxnWrite[]>;
  pendingPersists: Array<{ token: number; records: ParticipantRecord[] }>;
  up: boolean;
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
  coordinatorPersists: Array<{ token: number; records: CoordinatorRecord[] }> = [];
  readonly coordinatorDisk: CoordinatorDisk = { epoch: 0, members: [], sealed: false, decisions: new Map() };
  tick = 0;
  #nextRequestId = 1;
  #disksMade = 0;

  constructor(private readonly options: HarnessOptions = {}) {
    this.coordinator = this.#newCoordinator();
  }

  /** Starts every machine, connects the nodes and completes their joins. */
  start(): this {
    this.#recoverCoordinator();
    for (const id of this.options.nodeIds ?? ["n1", "n2", "n3"]) this.addNode(id);
    this.completePersists(COORDINATOR);
    return this;
  }

  /**
   * Starts a participant with an empty disk (a new incarnation) and connects it. For a known id
   * this is that node back on a new or wiped data directory; the old node's disk is dropped.
   */
  addNode(id: NodeId): HarnessNode {
    const data = new Map<string, Bytes>();
    this.#disksMade += 1;
    const node: HarnessNode = {
      id, incarnation: `${id}-disk${this.#disksMade}`, machine: this.#newParticipant(id, data), data, preparedDisk: new Map(),
      pendingPersists: [], up: false, appliedHistory: new Set(),
    };
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
      for (const { token, records } of pending) {
        this.#applyCoordinatorRecords(records);
        this.#stepCoordinator({ kind: "persisted", token });
        count += 1;
      }
    }
    for (const node of this.nodes.values()) {
      if (who !== undefined && who !== node.id) continue;
      const pending = node.pendingPersists.slice(0, countMax);
      node.pendingPersists = node.pendingPersists.slice(pending.length);
      for (const { token, records } of pending) {
        applyParticipantRecords(node, records);
        this.#stepNode(node, { kind: "persisted", token });
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
      const inDoubt = [...this.nodes.values()].some((node) => node.preparedDisk.size > 0);
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
    this.#recoverCoordinator();
    for (const node of this.nodes.values()) if (node.up) this.#connect(node);
  }

  /** A storage node dies: unpersisted records and its messages are lost; the coordinator sees its connection close. */
  crashNode(id: NodeId): void {
    const node = this.#node(id);
    node.pendingPersists = [];
    node.up = false;
    this.network = this.network.filter((envelope) => envelope.from !== id && envelope.to !== id);
    this.#stepCoordinator({ kind: "nodeDown", nodeId: id });
  }

  /** The node's connection is replaced by a new one (no close seen): messages on the old one are lost. */
  reconnectNode(id: NodeId): void {
    this.network = this.network.filter((envelope) => envelope.from !== id && envelope.to !== id);
    this.#connect(this.#node(id));
  }

  /** The node starts again from its disk and reconnects. */
  restartNode(id: NodeId): void {
    const node = this.#node(id);
    node.machine = this.#newParticipant(id, node.data);
    const prepared = [...node.preparedDisk].map(([txid, writes]) => ({ txid, writes }));
    this.#stepNode(node, { kind: "recovered", prepared });
    this.#connect(node);
  }

  // ------------------------------------------------------------ inspection

  replicasOf(key: string): NodeId[] {
    return this.coordinator.locate(bytes(key)).replicas.map((replica) => replica.id);
  }

  /** The durable value of `key` on `nodeId`. */
  valueOn(nodeId: NodeId, key: string): string | null {
    return text(this.#node(nodeId).data.get(keyString(bytes(key))));
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

  #newParticipant(id: NodeId, data: Map<string, Bytes>): ParticipantMachine {
    return new ParticipantMachine({ nodeId: id, ...this.options.participant }, { get: (key) => data.get(keyString(key)) });
  }

  #node(id: NodeId): HarnessNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  #recoverCoordinator(): void {
    // Like the runtime: a new epoch is durable before the machine hears of it.
    this.coordinatorDisk.epoch += 1;
    const { epoch, members, sealed, placement, decisions } = this.coordinatorDisk;
    const recovered = [...decisions].map(([txid, decision]) => ({ txid, ...decision }));
    this.#stepCoordinator({ kind: "recovered", epoch, members, sealed, ...(placement ? { placement } : {}), decisions: recovered });
  }

  #connect(node: HarnessNode): void {
    node.up = true;
    const address = `127.0.0.1:${7000 + Number(node.id.replace(/\D/g, "") || 0)}`;
    this.#stepCoordinator({ kind: "nodeUp", node: { id: node.id, address, incarnation: node.incarnation } });
    // A refused node's connection is closed: like the runtime's, it never counts itself connected.
    if (node.up) this.#stepNode(node, { kind: "connected" });
  }

  #deliver(envelope: Envelope): void {
    if (envelope.to === COORDINATOR) {
      this.#stepCoordinator({ kind: "message", from: envelope.from, message: envelope.message as NodeToCoordinator });
      return;
    }
    const node = this.#node(envelope.to);
    if (node.up) this.#stepNode(node, { kind: "message", message: envelope.message as CoordinatorToNode });
  }

  #stepCoordinator(event: Parameters<CoordinatorMachine["step"]>[0]): void {
    const effects = this.coordinator.step(event);
    this.coordinator.assertInvariants();
    for (const effect of effects) this.#carryCoordinatorEffect(effect);
  }

  #carryCoordinatorEffect(effect: CoordinatorEffect): void {
    switch (effect.kind) {
      case "send":
        if (this.nodes.get(effect.to)?.up === true) this.network.push({ from: COORDINATOR, to: effect.to, message: effect.message });
        return;
      case "persist":
        this.coordinatorPersists.push({ token: effect.token, records: effect.records });
        return;
      case "reply":
      case "fail": {
        if (this.answers.has(effect.requestId)) throw new Error(`request ${effect.requestId} answered twice`);
        this.answers.set(effect.requestId, effect.kind === "reply" ? { tick: this.tick, result: effect.result } : { tick: this.tick, error: effect.error });
        return;
      }
      case "refuseNode": {
        // The runtime closes the connection; the refused node stays out.
        this.refused.push({ nodeId: effect.nodeId, reason: effect.reason });
        const node = this.nodes.get(effect.nodeId);
        if (node !== undefined) node.up = false;
        return;
      }
      case "log":
        this.logs.push({ who: COORDINATOR, level: effect.level, message: effect.message, ...(effect.fields ? { fields: effect.fields } : {}) });
        return;
    }
  }

  #stepNode(node: HarnessNode, event: Parameters<ParticipantMachine["step"]>[0]): void {
    const effects: ParticipantEffect[] = node.machine.step(event);
    node.machine.assertInvariants();
    for (const effect of effects) {
      if (effect.kind === "send") this.network.push({ from: node.id, to: COORDINATOR, message: effect.message });
      else if (effect.kind === "persist") node.pendingPersists.push({ token: effect.token, records: effect.records });
      else this.logs.push({ who: node.id, level: effect.level, message: effect.message });
    }
  }

  #applyCoordinatorRecords(records: CoordinatorRecord[]): void {
    const disk = this.coordinatorDisk;
    for (const record of records) {
      if (record.type === "epoch") disk.epoch = record.epoch;
      else if (record.type === "members") Object.assign(disk, { members: record.members, sealed: record.sealed, placement: record.placement });
      else if (record.type === "decision") disk.decisions.set(record.txid, { participants: record.participants, writes: record.writes });
      else disk.decisions.delete(record.txid);
    }
  }
}

function applyParticipantRecords(node: HarnessNode, records: ParticipantRecord[]): void {
  for (const record of records) {
    if (record.type === "prepared") {
      node.preparedDisk.set(record.txid, record.writes);
      continue;
    }
    if (record.type === "committed") {
      for (const write of record.writes) {
        if (write.value === null) node.data.delete(keyString(write.key));
        else node.data.set(keyString(write.key), write.value);
        node.appliedHistory.add(`${text(write.key)}=${text(write.value)}`);
      }
    }
    node.preparedDisk.delete(record.txid);
  }
}

/** Filters for messages: by type, and optionally by sender or receiver. */
export function ofType(type: string, where: { to?: string; from?: string } = {}): (envelope: Envelope) => boolean {
  return (envelope) => envelope.message.type === type
    && (where.to === undefined || envelope.to === where.to)
    && (where.from === undefined || envelope.from === where.from);
}
