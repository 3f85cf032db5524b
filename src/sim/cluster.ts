// A whole ringkv cluster in one process: the real CoordinatorMachine and ParticipantMachines, each
// in a simulated process with its own disk and clock, joined by the simulated network, with the
// clients' connections to the coordinator. It carries out the machines' effects, and it is what the
// nemesis crashes, pauses and cuts. Everything it does is ordered by the one scheduler, and all of
// its randomness comes from streams derived from the seed.

import { CoordinatorMachine } from "../core/cluster/coordinator.js";
import { keyString } from "../core/cluster/key-string.js";
import { ParticipantMachine } from "../core/cluster/participant.js";
import type {
  CoordinatorEffect, CoordinatorEvent, CoordinatorRecord, NodeId, ParticipantEffect, ParticipantEvent, ParticipantRecord,
} from "../core/cluster/types.js";
import { ClientLink } from "./client-link.js";
import { deepCopy } from "./copy.js";
import type { FaultPlan } from "./faults.js";
import type { LinkCut } from "./sim-network.js";
import type { Plant } from "./plants.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import {
  SimDisk, applyCoordinatorRecords, applyParticipantRecords, emptyCoordinatorDurable, emptyParticipantDurable,
  type CoordinatorDurable, type ParticipantDurable,
} from "./sim-disk.js";
import { COORDINATOR, SimNetwork } from "./sim-network.js";
import { SimProcess } from "./sim-process.js";
import { Trace } from "./trace.js";

export interface ClusterOptions {
  seed: number;
  nodes: number;
  replicas: number;
  partitions: number;
  vnodesPerNode: number;
  tickMs: number;
  requestTimeoutMs: number;
  plan: FaultPlan;
  plant: Plant | undefined;
  /** Trace lines kept for printing (hashing covers all of them). */
  traceLinesKept: number;
  bounds: ClusterBounds;
}

export interface ClusterBounds {
  /** Happenings queued at once. */
  scheduledMax: number;
  /** Events held for one paused process. */
  inboxMax: number;
  /** Disk batches waiting for their sync, per process. */
  diskPendingMax: number;
  /** Client requests outstanding at once. */
  requestsMax: number;
}

export interface NodeHandle {
  id: NodeId;
  process: SimProcess<ParticipantEvent, ParticipantEffect>;
  disk: SimDisk<ParticipantRecord, ParticipantDurable>;
  machine: ParticipantMachine | undefined;
}

export interface ClusterStats {
  crashes: number;
  restarts: number;
  pauses: number;
  cuts: number;
}

/** Token of the epoch write a booting coordinator makes before its machine exists (machines count from 1). */
const BOOT_TOKEN = 0;

export class SimCluster {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly network: SimNetwork;
  readonly clients: ClientLink;
  readonly coordinator: SimProcess<CoordinatorEvent, CoordinatorEffect>;
  readonly coordinatorDisk: SimDisk<CoordinatorRecord, CoordinatorDurable>;
  readonly nodes = new Map<NodeId, NodeHandle>();
  /** Promises the machines broke, found while running (checkers add theirs after the run). */
  readonly failures: Array<{ message: string; atUs: number }> = [];
  readonly stats: ClusterStats = { crashes: 0, restarts: 0, pauses: 0, cuts: 0 };
  coordinatorMachine: CoordinatorMachine | undefined;
  /** A machine threw: the run cannot go on. */
  halted = false;
  readonly #diskPrng: Prng;
  readonly #plantPrng: Prng;
  #bootAttempt = 0;
  #booting = false;
  /** Processes to crash in the middle of their next disk sync, until the given time. */
  readonly #armedMidSync = new Map<string, number>();

  constructor(private readonly options: ClusterOptions) {
    const { seed, plan, bounds } = options;
    this.scheduler = new Scheduler(bounds.scheduledMax);
    this.trace = new Trace(options.traceLinesKept);
    this.#diskPrng = Prng.derive(seed, "disk");
    this.#plantPrng = Prng.derive(seed, "plant");
    const clockPrng = Prng.derive(seed, "clock");
    const clockRate = (): number => 1 + (2 * clockPrng.float() - 1) * plan.clockSkew;
    const tickUs = options.tickMs * 1000;
    const nodeIds = Array.from({ length: options.nodes }, (_, index) => `n${index + 1}`);
    this.network = new SimNetwork(this.scheduler, Prng.derive(seed, "network"), plan, this.#networkEndpoints(),
      { reconnectMinUs: 20_000, reconnectMaxUs: 200_000 }, nodeIds);
    this.coordinator = new SimProcess(this.scheduler, this.trace, {
      name: COORDINATOR, tickUs, clockRate: clockRate(), inboxMax: bounds.inboxMax,
      handleEffects: (effects) => this.#coordinatorEffects(effects),
      machineFailed: (error) => this.#machineFailed(COORDINATOR, error),
    });
    this.coordinatorDisk = new SimDisk(emptyCoordinatorDurable(), applyCoordinatorRecords, bounds.diskPendingMax);
    for (const id of nodeIds) {
      const handle: NodeHandle = {
        id,
        disk: new SimDisk(emptyParticipantDurable(), applyParticipantRecords, bounds.diskPendingMax),
        machine: undefined,
        process: new SimProcess(this.scheduler, this.trace, {
          name: id, tickUs, clockRate: clockRate(), inboxMax: bounds.inboxMax,
          handleEffects: (effects, cause) => this.#participantEffects(handle, effects, cause),
          machineFailed: (error) => this.#machineFailed(id, error),
        }),
      };
      this.nodes.set(id, handle);
    }
    const requestTimeoutTicks = Math.ceil(options.requestTimeoutMs / options.tickMs);
    this.clients = new ClientLink(this.scheduler, {
      accepting: () => this.coordinator.alive,
      incarnation: () => this.coordinator.incarnation,
      paused: () => this.coordinator.paused,
      currentTick: () => this.coordinator.currentTick(),
      deliver: (event) => this.coordinator.deliver(event),
    }, () => this.network.latencyUs(), requestTimeoutTicks, (message) => this.#fail(message), bounds.requestsMax);
  }

  get nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  startAll(): void {
    this.#bootCoordinator();
    for (const node of this.nodes.values()) this.#startNode(node);
  }

  // ---------------------------------------------------------------- what the nemesis does

  isAlive(name: string): boolean {
    return name === COORDINATOR ? this.coordinator.alive || this.#booting : this.#node(name).process.alive;
  }

  isPaused(name: string): boolean {
    return this.#process(name).paused;
  }

  crash(name: string, why = "nemesis"): void {
    if (name === COORDINATOR && this.#booting) {
      this.#bootAttempt += 1; // the boot in progress never completes
      this.#booting = false;
    } else if (!this.#process(name).alive) {
      return;
    }
    this.stats.crashes += 1;
    this.#process(name).crash(why);
    this.network.processCrashed(name);
    if (name === COORDINATOR) this.clients.coordinatorCrashed();
    const disk = name === COORDINATOR ? this.coordinatorDisk : this.#node(name).disk;
    const { survived, lost } = disk.crash(() => this.#diskPrng.chance(this.options.plan.unsyncedSurviveRate));
    if (survived + lost > 0) this.trace.record(this.scheduler.nowUs, `! ${name} disk: ${survived} unsynced batches survived, ${lost} lost`);
  }

  crashMidSync(name: string, untilUs: number): void {
    this.trace.record(this.scheduler.nowUs, `! ${name} will crash during its next sync`);
    this.#armedMidSync.set(name, untilUs);
  }

  restart(name: string): void {
    if (this.isAlive(name)) return;
    this.stats.restarts += 1;
    if (name === COORDINATOR) this.#bootCoordinator();
    else this.#startNode(this.#node(name));
  }

  pause(name: string): void {
    const process = this.#process(name);
    if (!process.alive || process.paused) return;
    this.stats.pauses += 1;
    process.pause();
    if (name === COORDINATOR) this.clients.coordinatorPaused();
  }

  resume(name: string): void {
    this.#process(name).resume();
  }

  cut(node: NodeId, cut: LinkCut): void {
    this.stats.cuts += 1;
    this.trace.record(this.scheduler.nowUs, `! cut ${node} ${cut}`);
    this.network.cut(node, cut);
  }

  heal(node: NodeId): void {
    if (this.network.isCut(node)) this.trace.record(this.scheduler.nowUs, `! heal ${node}`);
    this.network.heal(node);
  }

  /** Mends everything: links healed, paused processes resumed, dead ones restarted. */
  healAll(): void {
    this.#armedMidSync.clear();
    for (const id of this.nodes.keys()) this.heal(id);
    for (const name of [COORDINATOR, ...this.nodes.keys()]) {
      this.resume(name);
      this.restart(name);
    }
  }

  /** What still moves; empty once the cluster is quiet: all up and connected, nothing in flight. */
  unsettled(): string[] {
    const problems: string[] = [];
    const machine = this.coordinator.alive ? this.coordinatorMachine : undefined;
    if (machine === undefined) problems.push("the coordinator is not running");
    else {
      const view = machine.view();
      if (view.state !== "serving") problems.push(`the coordinator is ${view.state}`);
      for (const name of ["transactionsInFlight", "decisionsUnacknowledged", "lockedKeys", "readsInFlight"] as const) {
        if (view[name] > 0) problems.push(`the coordinator has ${name} ${view[name]}`);
      }
    }
    if (this.coordinatorDisk.pendingBatches > 0) problems.push("the coordinator's disk has unsynced batches");
    for (const node of this.nodes.values()) {
      if (!node.process.alive || node.machine === undefined) problems.push(`${node.id} is not running`);
      else if (node.machine.preparedCount > 0) problems.push(`${node.id} holds ${node.machine.preparedCount} prepared transactions`);
      if (!this.network.isOpen(node.id)) problems.push(`${node.id} is not connected`);
      if (node.disk.pendingBatches > 0) problems.push(`${node.id}'s disk has unsynced batches`);
    }
    if (this.clients.outstanding > 0) problems.push(`${this.clients.outstanding} client requests outstanding`);
    return problems;
  }

  // ---------------------------------------------------------------- starting processes

  /** The driver persists the bumped epoch before the machine exists (types.ts, recovered). */
  #bootCoordinator(): void {
    if (this.coordinator.alive || this.#booting) return;
    this.#booting = true;
    this.#bootAttempt += 1;
    const attempt = this.#bootAttempt;
    const disk = this.coordinatorDisk;
    const syncAtUs = disk.write(BOOT_TOKEN, [{ type: "epoch", epoch: disk.durable.epoch + 1 }], this.scheduler.nowUs, this.#syncLatencyUs());
    this.scheduler.at(syncAtUs, () => {
      if (attempt !== this.#bootAttempt || !disk.sync(BOOT_TOKEN)) return;
      this.#booting = false;
      const durable = disk.durable;
      // Every node must have joined before the first write seals the membership: the simulated
      // cluster is all of its nodes, as `ringkv start` launches them.
      const machine = new CoordinatorMachine({
        replicas: this.options.replicas, minNodes: this.options.nodes,
        partitions: this.options.partitions, vnodesPerNode: this.options.vnodesPerNode,
        ticksPerSecond: Math.round(1000 / this.options.tickMs),
      });
      this.coordinatorMachine = machine;
      const decisions = [...durable.decisions].map(([txid, decision]) => ({ txid, ...deepCopy(decision) }));
      const recovered: CoordinatorEvent = {
        kind: "recovered", epoch: durable.epoch, members: deepCopy(durable.members), sealed: durable.sealed, decisions,
      };
      if (durable.placement !== undefined) recovered.placement = { ...durable.placement };
      this.coordinator.start(machine, recovered);
      this.network.processStarted(COORDINATOR);
    });
  }

  #startNode(node: NodeHandle): void {
    this.options.plant?.hooks.participantRestart?.(node.disk.durable);
    const prepared = [...node.disk.durable.prepared].map(([txid, writes]) => ({ txid, writes: deepCopy(writes) }));
    const data = node.disk.durable.data;
    node.machine = new ParticipantMachine({ nodeId: node.id, ticksPerSecond: Math.round(1000 / this.options.tickMs) }, {
      get: (key) => data.get(keyString(key)),
    });
    node.process.start(node.machine, { kind: "recovered", prepared });
    this.network.processStarted(node.id);
  }

  // ---------------------------------------------------------------- carrying out effects

  #coordinatorEffects(effects: CoordinatorEffect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "send":
          this.network.sendToNode(effect.to, effect.message);
          break;
        case "persist":
          this.#persist(this.coordinator, this.coordinatorDisk, effect.token, effect.records);
          break;
        case "reply":
          this.clients.answer(effect.requestId, { kind: "result", result: deepCopy(effect.result) });
          break;
        case "fail":
          this.clients.answer(effect.requestId, { kind: "error", error: effect.error });
          break;
        case "refuseNode":
          this.#fail(`the coordinator refused ${effect.nodeId}, a member from the start: ${effect.reason}`);
          this.network.refuse(effect.nodeId);
          break;
        case "log":
          break;
      }
    }
  }

  #participantEffects(node: NodeHandle, effects: ParticipantEffect[], cause: ParticipantEvent): void {
    for (const effect of effects) {
      if (effect.kind === "persist") this.#persist(node.process, node.disk, effect.token, effect.records);
      if (effect.kind !== "send") continue;
      let message = effect.message;
      const lie = this.options.plant?.hooks.readReply;
      if (lie !== undefined && message.type === "readReply" && cause.kind === "message" && cause.message.type === "read") {
        message = { ...message, values: lie(cause.message.keys, message.values, node.disk.durable, this.#plantPrng) };
      }
      this.network.sendToCoordinator(node.id, message);
    }
  }

  /** Writes a batch; `persisted` is fed once it is synced (and a short notification later). */
  #persist<Event extends { kind: string }, Effect extends { kind: string }, DiskRecord, State>(
    process: SimProcess<Event, Effect>, disk: SimDisk<DiskRecord, State>, token: number, records: DiskRecord[],
  ): void {
    const incarnation = process.incarnation;
    const nowUs = this.scheduler.nowUs;
    // A copy: the machine may keep and change its objects, the disk must not see that.
    const syncAtUs = disk.write(token, deepCopy(records), nowUs, this.#syncLatencyUs());
    const feedPersisted = (): void => {
      if (process.incarnation === incarnation) process.deliver({ kind: "persisted", token } as unknown as Event);
    };
    const early = this.options.plant?.hooks.persistedBeforeSync?.(records as Array<CoordinatorRecord | ParticipantRecord>) === true;
    if (early) this.scheduler.after(0, feedPersisted);
    this.scheduler.at(syncAtUs, () => {
      if (process.incarnation !== incarnation || !disk.sync(token)) return;
      if (!early) this.scheduler.after(this.#diskPrng.float() * 200, feedPersisted);
    });
    const armedUntilUs = this.#armedMidSync.get(process.name);
    if (armedUntilUs !== undefined && armedUntilUs >= nowUs) {
      this.#armedMidSync.delete(process.name);
      this.scheduler.at(nowUs + Math.floor((syncAtUs - nowUs) * this.#diskPrng.float()), () => {
        if (process.incarnation === incarnation) this.crash(process.name, "in the middle of a sync");
      });
    }
  }

  #syncLatencyUs(): number {
    const { plan } = this.options;
    return plan.syncLatencyMinUs + this.#diskPrng.exponential(plan.syncLatencyMeanUs);
  }

  #machineFailed(name: string, error: Error): void {
    this.#fail(`${name} threw: ${error.message}`);
    this.trace.record(this.scheduler.nowUs, `! ${name} threw: ${error.message}`);
    this.halted = true;
  }

  #fail(message: string): void {
    this.failures.push({ message, atUs: this.scheduler.nowUs });
  }

  #networkEndpoints(): ConstructorParameters<typeof SimNetwork>[3] {
    const note = (text: string): void => this.trace.record(this.scheduler.nowUs, `~ ${text}`);
    return {
      toNode: (nodeId, message) => this.#node(nodeId).process.deliver({ kind: "message", message: deepCopy(message) }),
      toCoordinator: (from, message) => this.coordinator.deliver({ kind: "message", from, message: deepCopy(message) }),
      connected: (nodeId) => this.#node(nodeId).process.deliver({ kind: "connected" }),
      // A simulated disk survives every crash and is never replaced, so a node's incarnation is fixed.
      nodeUp: (nodeId) => this.coordinator.deliver({ kind: "nodeUp", node: { id: nodeId, address: `sim:${nodeId}`, incarnation: `sim:${nodeId}` } }),
      nodeDown: (nodeId) => this.coordinator.deliver({ kind: "nodeDown", nodeId }),
      note,
    };
  }

  #process(name: string): SimProcess<CoordinatorEvent, CoordinatorEffect> | SimProcess<ParticipantEvent, ParticipantEffect> {
    return name === COORDINATOR ? this.coordinator : this.#node(name).process;
  }

  #node(id: string): NodeHandle {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`sim: no node ${id}`);
    return node;
  }
}
