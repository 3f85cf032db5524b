// A whole ringkv cluster in one process: the real CoordinatorMachine and ParticipantMachines, each
// in a simulated process with its own disk and clock, joined by the simulated network, with the
// clients' connections to the coordinator. It carries out the machines' effects, and it is what the
// nemesis crashes, pauses and cuts. Everything it does is ordered by the one scheduler, and all of
// its randomness comes from streams derived from the seed.

import { CoordinatorMachine } from "../core/cluster/coordinator.js";
import { ParticipantMachine } from "../core/cluster/participant.js";
import type {
  ConnectionId, CoordinatorEffect, CoordinatorEvent, CoordinatorRecord, CoordinatorToNode, NodeId, NodeToCoordinator, ParticipantEffect,
  ParticipantEvent, ParticipantRecord,
} from "../core/cluster/types.js";
import { ClientLink } from "./client-link.js";
import { deepCopy } from "./copy.js";
import type { FaultPlan } from "./faults.js";
import type { LinkCut } from "./sim-network.js";
import type { Plant } from "./plants.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import {
  SimDisk, applyCoordinatorRecords, applyParticipantRecords, emptyCoordinatorDurable, emptyParticipantDurable, participantDataView,
  recoveredCoordinatorState, recoveredParticipantState, type CoordinatorDurable, type ParticipantDurable,
} from "./sim-disk.js";
import { COORDINATOR, SimNetwork } from "./sim-network.js";
import { SimProcess } from "./sim-process.js";
import { Trace } from "./trace.js";

export interface ClusterOptions {
  seed: number;
  nodes: number;
  /** Storage nodes not started with the others: the membership changes join them later (join()). */
  spareNodes: number;
  replicas: number;
  minInSync: number;
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
  process: SimProcess<ParticipantEvent, ParticipantEffect, ParticipantRecord>;
  disk: SimDisk<ParticipantRecord, ParticipantDurable>;
  machine: ParticipantMachine | undefined;
}

export interface ClusterStats {
  crashes: number;
  restarts: number;
  pauses: number;
  cuts: number;
  impostors: number;
  /** Crashes of the coordinator that struck in an aimed window (a record's sync, just after an inquiry). */
  aimedCrashes: number;
  /** Disk stalls: every sync of one process held back for a while. */
  stalls: number;
}

/**
 * Narrow windows an aimed crash of the coordinator waits for: a decision's, an inSync record's or a
 * members record's (a membership change starting, switching or cleaning up) sync, an inquiry's
 * arrival, or a read-modify-write between its read and its commit (from the moment its read goes
 * out, while the answer travels, is used and the writes are prepared).
 */
export type AimedWindow = "decision" | "inSync" | "members" | "inquiry" | "readForUpdate";

/** A broken promise found while running: admission (an impostor got in) or anything else (liveness). */
export interface ClusterFailure {
  checker: "admission" | "liveness";
  message: string;
  atUs: number;
}

/** How often the coordinator starts a background repair round in a simulated run. */
const SIM_REPAIR_INTERVAL_MS = 1_000;
/** A durable batch is heard of by its machine up to this long after its sync completes. */
const NOTIFY_DELAY_MAX_US = 200;

export class SimCluster {
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly network: SimNetwork;
  readonly clients: ClientLink;
  readonly coordinator: SimProcess<CoordinatorEvent, CoordinatorEffect, CoordinatorRecord>;
  readonly coordinatorDisk: SimDisk<CoordinatorRecord, CoordinatorDurable>;
  readonly nodes = new Map<NodeId, NodeHandle>();
  /** Promises the machines broke, found while running (checkers add theirs after the run). */
  readonly failures: ClusterFailure[] = [];
  readonly stats: ClusterStats = { crashes: 0, restarts: 0, pauses: 0, cuts: 0, impostors: 0, aimedCrashes: 0, stalls: 0 };
  coordinatorMachine: CoordinatorMachine | undefined;
  /** A machine threw: the run cannot go on. */
  halted = false;
  readonly #diskPrng: Prng;
  readonly #plantPrng: Prng;
  /** Impostors' connections, by the member id they claim; the simulator answers for them. */
  readonly #impostors = new Map<ConnectionId, NodeId>();
  readonly #impostorPrng: Prng;
  /** Names each batch written to a simulated disk, so that its sync finds it. */
  #nextBatch = 1;
  /** Processes to crash in the middle of their next disk sync, until the given time. */
  readonly #armedMidSync = new Map<string, number>();
  /** The coordinator's aimed crash: the window it waits for, until when. */
  #aimed: { window: AimedWindow; untilUs: number } | undefined;
  /** Processes whose disk syncs are held back, until when. */
  readonly #stalledUntilUs = new Map<string, number>();
  /** Nodes whose `applied` answers to the coordinator are held back, until when. */
  readonly #appliedHeldUntilUs = new Map<NodeId, number>();
  readonly #aimPrng: Prng;
  /** The network's own copy of the plan, which calmNetwork() changes. */
  readonly #networkPlan: FaultPlan;
  /** Bumped by healAll: a crash scheduled before the heal (its sync took long) no longer strikes. */
  #heals = 0;
  /** Nodes started at least once and not retired: the cluster's processes. */
  readonly #active = new Set<NodeId>();
  /** Nodes taken out for good (removed from the cluster, or their disk lost): never restarted. */
  readonly #retired = new Set<NodeId>();
  /** Nodes being removed: the coordinator's refusal of them, once they are out, is expected. */
  readonly #removing = new Set<NodeId>();
  /** Membership requests of the simulated operator, by request id, with what to do with the answer. */
  readonly #operatorRequests = new Map<number, (outcome: { ok: true } | { ok: false; code: string; message: string }) => void>();
  #nextOperatorRequest = 1_000_000_000;
  /** The move-resumed-twice plant: messages to send again after the coordinator's next restart. */
  #resendAfterRestart: Array<{ to: NodeId; message: CoordinatorToNode }> = [];

  constructor(private readonly options: ClusterOptions) {
    const { seed, plan, bounds } = options;
    this.scheduler = new Scheduler(bounds.scheduledMax);
    this.trace = new Trace(options.traceLinesKept);
    this.#diskPrng = Prng.derive(seed, "disk");
    this.#plantPrng = Prng.derive(seed, "plant");
    this.#impostorPrng = Prng.derive(seed, "impostor");
    this.#aimPrng = Prng.derive(seed, "aim");
    this.#networkPlan = { ...plan };
    const clockPrng = Prng.derive(seed, "clock");
    const clockRate = (): number => 1 + (2 * clockPrng.float() - 1) * plan.clockSkew;
    const tickUs = options.tickMs * 1000;
    const nodeIds = Array.from({ length: options.nodes + options.spareNodes }, (_, index) => `n${index + 1}`);
    this.network = new SimNetwork(this.scheduler, Prng.derive(seed, "network"), this.#networkPlan, this.#networkEndpoints(),
      { reconnectMinUs: 20_000, reconnectMaxUs: 200_000 }, nodeIds);
    this.coordinator = new SimProcess(this.scheduler, this.trace, {
      name: COORDINATOR, tickUs, clockRate: clockRate(), inboxMax: bounds.inboxMax,
      port: {
        persist: (records, durable) => this.#persist(this.coordinator, this.coordinatorDisk, records, durable),
        carry: (effect) => this.#coordinatorEffect(effect),
      },
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
          port: {
            persist: (records, durable) => this.#persist(handle.process, handle.disk, records, durable),
            carry: (effect) => this.#participantEffect(handle, effect),
          },
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

  /** The storage nodes that are part of the run now: started, not retired. */
  get nodeIds(): NodeId[] {
    return [...this.#active];
  }

  /** Spare nodes not started yet. */
  get spareIds(): NodeId[] {
    return [...this.nodes.keys()].filter((id) => !this.#active.has(id) && !this.#retired.has(id));
  }

  startAll(): void {
    this.#startCoordinator();
    for (const node of [...this.nodes.values()].slice(0, this.options.nodes)) this.#startNode(node);
  }

  // ---------------------------------------------------------------- membership changes (the operator's hands)

  /** A spare node starts on an empty disk: it joins the cluster as a new node. */
  join(id: NodeId): void {
    if (this.#active.has(id) || this.#retired.has(id)) throw new Error(`sim: ${id} is not a spare node`);
    this.trace.record(this.scheduler.nowUs, `! ${id} starts and joins the cluster`);
    this.#startNode(this.#node(id));
  }

  /** The node's disk is gone for good: it crashes and never comes back. */
  retire(id: NodeId, why: string): void {
    if (this.#retired.has(id)) return;
    this.trace.record(this.scheduler.nowUs, `! ${id} retires: ${why}`);
    this.crash(id, why);
    this.#active.delete(id);
    this.#retired.add(id);
  }

  /** Asks the coordinator to remove a node (as RINGKV REMOVE does); `answer` gets its reply, unless the coordinator dies first. */
  requestRemoval(id: NodeId, dead: boolean, answer: (outcome: { ok: true } | { ok: false; code: string; message: string }) => void): void {
    if (!this.coordinator.alive) return;
    const requestId = this.#nextOperatorRequest;
    this.#nextOperatorRequest += 1;
    this.#operatorRequests.set(requestId, answer);
    this.#removing.add(id);
    this.trace.record(this.scheduler.nowUs, `! operator: remove ${id}${dead ? " (dead)" : ""}`);
    const deadlineTick = this.coordinator.currentTick() + Math.ceil(this.options.requestTimeoutMs / this.options.tickMs);
    this.scheduler.after(this.network.latencyUs(), () => this.coordinator.deliver({ kind: "client", requestId, op: { kind: "removeNode", nodeId: id, dead }, deadlineTick }));
  }

  // ---------------------------------------------------------------- what the nemesis does

  isAlive(name: string): boolean {
    return this.#process(name).alive;
  }

  isPaused(name: string): boolean {
    return this.#process(name).paused;
  }

  crash(name: string, why = "nemesis"): void {
    if (!this.#process(name).alive) return;
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
    if (this.isAlive(name) || (name !== COORDINATOR && !this.#active.has(name))) return;
    this.stats.restarts += 1;
    if (name === COORDINATOR) this.#startCoordinator();
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

  /**
   * A process without the cluster secret connects claiming to be `nodeId`: with a malformed hello,
   * or with the member's own id and incarnation (as one that overheard them would) and a proof that
   * cannot be right. It must be refused; if it is taken in, it votes yes and acks whatever it gets.
   */
  impostor(nodeId: NodeId): void {
    this.stats.impostors += 1;
    const connection = this.network.newConnectionId();
    this.#impostors.set(connection, nodeId);
    const malformed = this.#impostorPrng.chance(0.3);
    const hello = malformed ? { type: "hello", nodeId, incarnation: 7, address: "sim:impostor" } : { ...simHello(nodeId), address: "sim:impostor" };
    const proofValid = this.options.plant?.hooks.skipProofCheck === true;
    this.trace.record(this.scheduler.nowUs, `! impostor ${connection} claims ${nodeId}`);
    this.scheduler.after(this.network.latencyUs(), () => this.coordinator.deliver({ kind: "hello", connection, hello, proofValid }));
  }

  // ---------------------------------------------------------------- aimed faults (simcheck)

  /**
   * Arms a crash of the coordinator for the first `window` that opens by `untilUs`: while a record of
   * that type is being synced (anywhere from its write to the moment the machine would hear it is
   * durable), or just after an inquiry from a participant arrives (its answer may still be on the way).
   */
  aimCoordinatorCrash(window: AimedWindow, untilUs: number): void {
    const when = window === "inquiry" ? "just after an inquiry arrives" : window === "readForUpdate" ? "between a read-modify-write's read and its commit"
      : `while ${recordName(window)} syncs`;
    this.trace.record(this.scheduler.nowUs, `! coordinator will crash ${when}`);
    this.#aimed = { window, untilUs };
  }

  /** Every sync of `name`'s disk written before `untilUs` completes no earlier than then (an fsync that hangs). */
  stallDisk(name: string, untilUs: number): void {
    this.stats.stalls += 1;
    this.trace.record(this.scheduler.nowUs, `! ${name} disk stalls for ${Math.round((untilUs - this.scheduler.nowUs) / 1000)} ms`);
    this.#stalledUntilUs.set(name, Math.max(untilUs, this.#stalledUntilUs.get(name) ?? 0));
  }

  /**
   * Until `untilUs`, `id`'s confirmations of the applies it gets as a learner reach the coordinator
   * only then (a learner slow to confirm: aimed at the fence its rejoin raises, which cannot drain
   * while an apply is unconfirmed).
   */
  holdApplied(id: NodeId, untilUs: number): void {
    this.trace.record(this.scheduler.nowUs, `! ${id}'s applied answers are held back for ${Math.round((untilUs - this.scheduler.nowUs) / 1000)} ms`);
    this.#appliedHeldUntilUs.set(id, untilUs);
  }

  /** From now on the network neither drops, duplicates nor holds back messages (latency stays): a healthy network. */
  calmNetwork(): void {
    this.trace.record(this.scheduler.nowUs, "! the network calms down: no drops, duplicates or reordering");
    Object.assign(this.#networkPlan, { dropRate: 0, dupRate: 0, reorderRate: 0 });
  }

  /** The armed crash, if `window` is the one it waits for and it has not expired; disarms it. */
  #takeAimed(window: AimedWindow): boolean {
    const aimed = this.#aimed;
    if (aimed === undefined || aimed.window !== window || !this.coordinator.alive) return false;
    this.#aimed = undefined;
    return aimed.untilUs >= this.scheduler.nowUs;
  }

  /** The coordinator's aimed crash, if these records open its window: anywhere until its machine would hear they are durable. */
  #crashIfAimedAt(records: ReadonlyArray<{ type: string }>, incarnation: number, windowEndUs: number): void {
    const window = this.#aimed?.window;
    if (window === undefined || window === "inquiry" || window === "readForUpdate" || !records.some((record) => record.type === window) || !this.#takeAimed(window)) return;
    const nowUs = this.scheduler.nowUs;
    const heals = this.#heals;
    this.scheduler.at(nowUs + Math.floor((windowEndUs - nowUs) * this.#aimPrng.float()), () => {
      if (this.coordinator.incarnation === incarnation && this.#heals === heals) this.#aimedCrash(`while ${recordName(window)} synced`);
    });
  }

  #aimedCrash(why: string): void {
    if (!this.coordinator.alive) return;
    this.stats.aimedCrashes += 1;
    this.crash(COORDINATOR, why);
  }

  /** Mends everything: links healed, paused processes resumed, dead ones restarted. */
  healAll(): void {
    this.#heals += 1;
    this.#armedMidSync.clear();
    this.#aimed = undefined;
    this.#stalledUntilUs.clear();
    this.#appliedHeldUntilUs.clear();
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
      if (view.move !== null) {
        problems.push(`a membership change is in progress (${view.move.partitionsDone} of ${view.move.partitions} partitions moved; cleanup ${view.move.cleanup.join(",") || "none"})`);
      }
      for (const name of ["transactionsInFlight", "decisionsUnacknowledged", "lockedKeys", "readsInFlight", "underReplicatedPartitions"] as const) {
        if (view[name] > 0) problems.push(`the coordinator has ${name} ${view[name]}`);
      }
      for (const catchUp of view.catchUps) problems.push(`${catchUp.node} is catching up (${catchUp.streamed} of ${catchUp.partitions} partitions streamed)`);
    }
    if (this.coordinatorDisk.pendingBatches > 0) problems.push("the coordinator's disk has unsynced batches");
    for (const node of this.nodes.values()) {
      if (!this.#active.has(node.id)) continue;
      if (!node.process.alive || node.machine === undefined) problems.push(`${node.id} is not running`);
      else if (node.machine.preparedCount > 0) problems.push(`${node.id} holds ${node.machine.preparedCount} prepared transactions`);
      if (!this.network.isOpen(node.id)) problems.push(`${node.id} is not connected`);
      if (node.disk.pendingBatches > 0) problems.push(`${node.id}'s disk has unsynced batches`);
    }
    if (this.clients.outstanding > 0) problems.push(`${this.clients.outstanding} client requests outstanding`);
    if (machine !== undefined) problems.push(...this.outOfSync());
    return problems;
  }

  // ---------------------------------------------------------------- in-sync sets (simcheck: settle waits for catch-up)

  /**
   * Partitions whose in-sync set is not all of their replicas, or that have learners: a returning
   * replica has not caught up yet. Empty once every replica of every partition is in sync again.
   */
  outOfSync(): string[] {
    const machine = this.coordinator.alive ? this.coordinatorMachine : undefined;
    if (machine === undefined) return ["the coordinator is not running"];
    const lagging = machine.partitionStates().filter((state) => state.learners.length > 0 || state.inSync.length !== state.replicas.length);
    if (lagging.length === 0) return [];
    const first = lagging[0]!;
    return [`${lagging.length} partitions not all in sync (partition ${first.partition}: replicas ${first.replicas.join(",")}, `
      + `in sync ${first.inSync.join(",")}, learners ${first.learners.join(",") || "none"})`];
  }

  // ---------------------------------------------------------------- starting processes

  /** The machine persists its next epoch itself before it serves (coordinator.ts, #recover). */
  #startCoordinator(): void {
    if (this.coordinator.alive) return;
    // Every node must have joined before the first write seals the membership: the simulated
    // cluster is all of its nodes, as `ringkv start` launches them.
    const machine = new CoordinatorMachine({
      replicas: this.options.replicas, minInSync: this.options.minInSync, minNodes: this.options.nodes,
      partitions: this.options.partitions, vnodesPerNode: this.options.vnodesPerNode,
      ticksPerSecond: Math.round(1000 / this.options.tickMs),
      // Repair rounds all through the run (they must never undo a write), and soon after the final damage (rot.ts).
      repairIntervalTicks: Math.round(SIM_REPAIR_INTERVAL_MS / this.options.tickMs),
      // A run that rots keys reads them through a coordinator without a cache (one set of 512 bytes
      // holds no entry, as --cache-bytes 512): every read goes to a replica, so a damaged copy is
      // asked, not answered for from memory. Not with membership changes: a cache-less coordinator
      // there meets a known convergence failure of moves (seed 241 of 5 nodes, R = 3, W = 2, 8 clients:
      // a node keeps a key moved off it), left to the moves' owner.
      ...(Math.floor(this.options.plan.rotKeys) > 0 && this.options.plan.membershipChanges === 0 ? { cache: { bytesMax: 512, sets: 1, ways: 1 } } : {}),
      ...this.options.plant?.hooks.coordinatorOptions,
    });
    this.coordinatorMachine = machine;
    this.coordinator.start(machine, { kind: "recovered", ...recoveredCoordinatorState(this.coordinatorDisk.durable) });
    this.network.processStarted(COORDINATOR);
    const resend = this.#resendAfterRestart;
    this.#resendAfterRestart = [];
    for (const [index, { to, message }] of resend.entries()) {
      // Under an id of its own, as a resumed step's new message would be.
      const again = message.type === "drop" ? { ...message, dropId: 2 ** 52 + this.#nextBatch * 1000 + index } : message;
      this.scheduler.after(50_000 + index * 1_000, () => {
        if (this.#node(to).process.alive) this.#node(to).process.deliver({ kind: "message", message: again });
      });
    }
  }

  #startNode(node: NodeHandle): void {
    this.#active.add(node.id);
    this.options.plant?.hooks.participantRestart?.(node.disk.durable);
    node.machine = new ParticipantMachine({ nodeId: node.id, ticksPerSecond: Math.round(1000 / this.options.tickMs) },
      participantDataView(node.disk.durable));
    node.process.start(node.machine, { kind: "recovered", ...recoveredParticipantState(node.disk.durable) });
    this.network.processStarted(node.id);
  }

  // ---------------------------------------------------------------- the simulated side of the driver's port

  #coordinatorEffect(effect: Exclude<CoordinatorEffect, { kind: "persist" }>): void {
    if ("connection" in effect && this.#impostors.has(effect.connection)) return this.#toImpostor(effect);
    switch (effect.kind) {
      case "send": {
        if (this.options.plant?.hooks.resentAfterRestart?.(effect.message) === true) this.#resendAfterRestart.push({ to: effect.to, message: deepCopy(effect.message) });
        const garble = this.options.plant?.hooks.towardNode;
        this.network.sendToNode(effect.connection, garble === undefined ? effect.message : garble(effect.message));
        if (effect.message.type === "read" && effect.message.forUpdate === true && this.#takeAimed("readForUpdate")) {
          // Anywhere from the read's way out to the prepares' way back: about two round trips.
          const heals = this.#heals;
          this.scheduler.after(this.#aimPrng.float() * 4 * this.options.plan.latencyMeanUs, () => {
            if (this.#heals === heals) this.#aimedCrash("between a read-modify-write's read and its commit");
          });
        }
        return;
      }
      case "reply":
        if (this.#answerOperator(effect.requestId, { ok: true })) return;
        this.clients.answer(effect.requestId, { kind: "result", result: deepCopy(effect.result) });
        return;
      case "fail":
        if (this.#answerOperator(effect.requestId, { ok: false, code: effect.error.code, message: effect.error.message })) return;
        this.clients.answer(effect.requestId, { kind: "error", error: effect.error });
        return;
      case "refuse": {
        // A node the operator removed is refused once it is out of the cluster: it stops, for good.
        const nodeId = this.network.nodeOf(effect.connection);
        if (nodeId !== undefined && this.#removing.has(nodeId) && /was removed from the cluster/.test(effect.reason)) {
          this.network.refuse(effect.connection);
          this.retire(nodeId, "removed from the cluster");
          return;
        }
        this.#fail(`the coordinator refused connection ${effect.connection} of a member from the start: ${effect.reason}`);
        this.network.refuse(effect.connection);
        return;
      }
      case "closeConnection":
        this.network.closeConnection(effect.connection, effect.reason);
        return;
      case "welcome":
      case "log":
        return;
    }
  }

  /** What the coordinator does to an impostor's connection: only a refusal is right. */
  #toImpostor(effect: Extract<CoordinatorEffect, { connection: ConnectionId }>): void {
    const claimed = this.#impostors.get(effect.connection)!;
    if (effect.kind === "welcome") {
      this.#fail(`the coordinator welcomed an impostor claiming ${claimed} (connection ${effect.connection})`, "admission");
    } else if (effect.kind === "send") {
      const answer = impostorAnswer(effect.message);
      const { connection } = effect;
      if (answer !== null) this.scheduler.after(this.network.latencyUs(), () => this.coordinator.deliver({ kind: "message", connection, message: answer }));
    } else {
      this.#impostors.delete(effect.connection); // refused or closed: gone
    }
  }

  #answerOperator(requestId: number, outcome: { ok: true } | { ok: false; code: string; message: string }): boolean {
    const answer = this.#operatorRequests.get(requestId);
    if (answer === undefined) return false;
    this.#operatorRequests.delete(requestId);
    answer(outcome);
    return true;
  }

  #participantEffect(node: NodeHandle, effect: Exclude<ParticipantEffect, { kind: "persist" }>): void {
    if (effect.kind !== "send") return;
    let message = effect.message;
    const hooks = this.options.plant?.hooks;
    const cause = node.process.lastEvent;
    if (message.type === "readReply" && cause?.kind === "message" && cause.message.type === "read") {
      const lie = cause.message.forUpdate === true ? hooks?.readForUpdateReply ?? hooks?.readReply : hooks?.readReply;
      if (lie !== undefined) message = { ...message, values: lie(cause.message.keys, message.values, node.disk.durable, this.#plantPrng) };
    }
    const garble = hooks?.towardCoordinator;
    if (garble !== undefined) message = garble(message, this.#plantPrng);
    const heldUntilUs = message.type === "applied" ? this.#appliedHeldUntilUs.get(node.id) ?? 0 : 0;
    if (heldUntilUs <= this.scheduler.nowUs) return this.network.sendToCoordinator(node.id, message);
    const { incarnation } = node.process;
    const held = message;
    this.scheduler.at(heldUntilUs, () => {
      if (node.process.incarnation === incarnation) this.network.sendToCoordinator(node.id, held);
    });
  }

  /** Writes a batch; its machine hears it is durable once it is synced (and a short notification later). */
  #persist<Event extends { kind: string }, Effect extends { kind: string }, DiskRecord, State>(
    process: SimProcess<Event, Effect, DiskRecord>, disk: SimDisk<DiskRecord, State>, records: DiskRecord[], durable: () => void,
  ): void {
    const incarnation = process.incarnation;
    const nowUs = this.scheduler.nowUs;
    const batch = this.#nextBatch;
    this.#nextBatch += 1;
    const heldBackUs = this.options.plant?.hooks.heldBackUs?.(records as Array<CoordinatorRecord | ParticipantRecord>) ?? 0;
    if (heldBackUs > 0) return this.#persistHeldBack(process, disk, batch, records, durable, heldBackUs);
    // A copy: the machine may keep and change its objects, the disk must not see that.
    const syncAtUs = disk.write(batch, deepCopy(records), nowUs, this.#syncLatencyUs(process.name));
    const notify = (): void => process.deliverDurable(incarnation, durable);
    const early = this.options.plant?.hooks.persistedBeforeSync?.(records as Array<CoordinatorRecord | ParticipantRecord>) === true;
    if (early) this.scheduler.after(0, notify);
    this.scheduler.at(syncAtUs, () => {
      if (process.incarnation !== incarnation || !disk.sync(batch)) return;
      const onDisk = this.options.plant?.hooks.coordinatorDurable;
      if (onDisk !== undefined && process.name === COORDINATOR) {
        onDisk(records as CoordinatorRecord[], new Map([...this.nodes].map(([id, node]) => [id, node.disk.durable])));
      }
      if (!early) this.scheduler.after(this.#diskPrng.float() * NOTIFY_DELAY_MAX_US, notify);
    });
    if (process.name === COORDINATOR) this.#crashIfAimedAt(records as Array<{ type: string }>, incarnation, syncAtUs + NOTIFY_DELAY_MAX_US);
    const armedUntilUs = this.#armedMidSync.get(process.name);
    if (armedUntilUs !== undefined && armedUntilUs >= nowUs) {
      this.#armedMidSync.delete(process.name);
      const heals = this.#heals;
      this.scheduler.at(nowUs + Math.floor((syncAtUs - nowUs) * this.#diskPrng.float()), () => {
        if (process.incarnation === incarnation && this.#heals === heals) this.crash(process.name, "in the middle of a sync");
      });
    }
  }

  /** A plant's disk cache: the batch is reported durable at once, and written (behind later batches) only `heldBackUs` later, unless a crash comes first. */
  #persistHeldBack<Event extends { kind: string }, Effect extends { kind: string }, DiskRecord, State>(
    process: SimProcess<Event, Effect, DiskRecord>, disk: SimDisk<DiskRecord, State>, batch: number, records: DiskRecord[], durable: () => void, heldBackUs: number,
  ): void {
    const incarnation = process.incarnation;
    const copy = deepCopy(records);
    this.scheduler.after(0, () => process.deliverDurable(incarnation, durable));
    this.scheduler.after(heldBackUs, () => {
      if (process.incarnation !== incarnation) return;
      const syncAtUs = disk.write(batch, copy, this.scheduler.nowUs, this.#syncLatencyUs(process.name));
      this.scheduler.at(syncAtUs, () => {
        if (process.incarnation === incarnation) disk.sync(batch);
      });
    });
  }

  #syncLatencyUs(name: string): number {
    const { plan } = this.options;
    const latencyUs = plan.syncLatencyMinUs + this.#diskPrng.exponential(plan.syncLatencyMeanUs);
    const stalledForUs = (this.#stalledUntilUs.get(name) ?? 0) - this.scheduler.nowUs;
    return stalledForUs > 0 ? stalledForUs + latencyUs : latencyUs;
  }

  #machineFailed(name: string, error: Error): void {
    this.#fail(`${name} threw: ${error.message}`);
    this.trace.record(this.scheduler.nowUs, `! ${name} threw: ${error.message}`);
    this.halted = true;
  }

  #fail(message: string, checker: ClusterFailure["checker"] = "liveness"): void {
    this.failures.push({ checker, message, atUs: this.scheduler.nowUs });
  }

  #networkEndpoints(): ConstructorParameters<typeof SimNetwork>[3] {
    const note = (text: string): void => this.trace.record(this.scheduler.nowUs, `~ ${text}`);
    return {
      toNode: (nodeId, message) => {
        const early = this.options.plant?.hooks.answerOnArrival?.(message);
        if (early !== undefined) this.network.sendToCoordinator(nodeId, early);
        this.#node(nodeId).process.deliver({ kind: "message", message: deepCopy(message) });
      },
      toCoordinator: (connection, message) => {
        this.coordinator.deliver({ kind: "message", connection, message: deepCopy(message) });
        if (message.type === "inquire" && this.#takeAimed("inquiry")) {
          // "Just after": its answer may be sent, and lost with the connection, or not sent yet.
          const heals = this.#heals;
          this.scheduler.after(this.#aimPrng.float() * 2 * this.options.plan.latencyMeanUs, () => {
            if (this.#heals === heals) this.#aimedCrash("just after an inquiry arrived");
          });
        }
      },
      connected: (nodeId) => this.#node(nodeId).process.deliver({ kind: "connected" }),
      // A simulated disk survives every crash and is never replaced, so a node's incarnation is fixed.
      hello: (nodeId, connection) => this.coordinator.deliver({ kind: "hello", connection, hello: simHello(nodeId), proofValid: true }),
      closed: (_nodeId, connection) => this.coordinator.deliver({ kind: "connectionClosed", connection }),
      note,
    };
  }

  #process(name: string): SimProcess<CoordinatorEvent, CoordinatorEffect, CoordinatorRecord> | SimProcess<ParticipantEvent, ParticipantEffect, ParticipantRecord> {
    return name === COORDINATOR ? this.coordinator : this.#node(name).process;
  }

  #node(id: string): NodeHandle {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`sim: no node ${id}`);
    return node;
  }
}

/** "a decision record", "an inSync record". */
function recordName(type: string): string {
  return `${/^[aeiou]/i.test(type) ? "an" : "a"} ${type} record`;
}

/** The hello a simulated node sends: its id, the incarnation of its (never replaced) disk, an address. */
function simHello(nodeId: NodeId): { type: "hello"; nodeId: NodeId; incarnation: string; address: string } {
  return { type: "hello", nodeId, incarnation: simIncarnation(nodeId), address: `sim:${nodeId}` };
}

/** 32 hex digits derived from the id, as a real node's random incarnation would look. */
function simIncarnation(nodeId: NodeId): string {
  let hex = "";
  for (const char of nodeId) hex += char.charCodeAt(0).toString(16).padStart(2, "0");
  return hex.padEnd(32, "0").slice(0, 32);
}

/** An impostor agrees to everything: yes to every prepare (nothing there before), ack to every outcome. */
function impostorAnswer(message: CoordinatorToNode): NodeToCoordinator | null {
  switch (message.type) {
    case "prepare":
      return { type: "vote", txid: message.txid, yes: true, previous: message.writes.map(() => ({ exists: false })) };
    case "commitOne":
      return { type: "vote", txid: message.txid, yes: true, previous: [] };
    case "commit":
    case "abort":
      return { type: "ack", txid: message.txid };
    case "read":
      return { type: "readReply", readId: message.readId, values: message.keys.map(() => null) };
    case "count":
      return { type: "countReply", countId: message.countId, keys: 0 };
    case "countPartitions":
      return { type: "partitionsCounted", countId: message.countId, keys: 0, next: null };
    case "apply":
      return { type: "applied", txid: message.txid };
    case "scan":
      return { type: "scanChunk", scanId: message.scanId, entries: [], next: null };
    case "catchUp":
      return { type: "caughtUp", catchUpId: message.catchUpId };
    case "collect":
      return { type: "collected", collectId: message.collectId, next: null };
    case "digest":
      return { type: "digestChunk", digestId: message.digestId, ranges: [], next: null, bytes: 0 };
    case "summarize":
      return { type: "summaryChunk", summaryId: message.summaryId, keys: [], next: null, bytes: 0 };
    case "fetch":
      return { type: "fetched", fetchId: message.fetchId, entries: [], looked: message.keys.length };
    case "fix":
      return { type: "fixed", fixId: message.fixId, fixed: 0 };
    case "drop":
      return { type: "dropped", dropId: message.dropId, next: null };
    case "ping":
      return { type: "pong", tick: message.tick };
  }
}
