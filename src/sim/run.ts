// One simulated run from a seed: start the cluster, let the clients work while the nemesis breaks
// things, heal everything and let it settle; when the plan has one, an outage phase (long outage,
// catch-up, another replica's death: outage-phase.ts) and another heal; read every key through the
// coordinator, then check the history (linearizability, atomicity, availability in the outage's
// windows), placement all along, and the disks (convergence). Same seed and options, same run: the
// trace fingerprint proves it.

import { checkAtomicity } from "./atomicity.js";
import { availabilityProblem, measureAvailability, stallProblem, type AvailabilityMeasure, type AvailabilityWindow } from "./availability.js";
import { SimCluster } from "./cluster.js";
import { checkConvergence } from "./convergence.js";
import { drawFaultPlan, type FaultPlan } from "./faults.js";
import { HistoryRecorder, type HistoryEntry, type HistoryOp } from "./history.js";
import { checkKeyScans } from "./key-scans.js";
import { checkLinearizability, DEFAULT_LINEARIZABILITY_STEPS_MAX } from "./linearizability.js";
import { Nemesis } from "./nemesis.js";
import { MembershipOperator, operatorSteps } from "./membership-operator.js";
import { OutagePhase } from "./outage-phase.js";
import { PlacementMonitor, type Membership } from "./placement.js";
import { findPlant } from "./plants.js";
import { Prng } from "./prng.js";
import { rot } from "./rot.js";
import { SimClient, type Outcome, type WireOp } from "./sim-client.js";
import { COORDINATOR } from "./sim-network.js";
import { textToBytes, type TraceLine } from "./trace.js";
import { allKeys, makeKeySpace, nextOp } from "./workload.js";

export interface SimOptions {
  seed: number;
  nodes: number;
  replicas: number;
  /** W, the fewest in-sync replicas a partition shrinks to; 0: one fewer than replicas (at least 1). */
  minInSync: number;
  clients: number;
  /** Client requests in all (retries not counted), spread over the clients. */
  ops: number;
  registerKeys: number;
  groups: number;
  groupSize: number;
  /** Keys written only by INCR: lost updates show as INCR answers that cannot be linearized. */
  counterKeys: number;
  /** Fault settings pinned instead of drawn from the seed. */
  faults: Partial<FaultPlan>;
  plant: string | undefined;
  tickMs: number;
  requestTimeoutMs: number;
  thinkMaxMs: number;
  partitions: number;
  vnodesPerNode: number;
  traceLinesKept: number;
  /** Simulated time the clients get to finish, and the cluster to settle after healing. */
  activeMaxMs: number;
  settleMaxMs: number;
  linearizabilityStepsMax: number;
}

export const DEFAULT_SIM_OPTIONS: Readonly<Omit<SimOptions, "seed">> = Object.freeze({
  nodes: 3,
  replicas: 3,
  minInSync: 0,
  clients: 5,
  ops: 300,
  registerKeys: 4,
  groups: 2,
  groupSize: 3,
  counterKeys: 2,
  faults: {},
  plant: undefined,
  tickMs: 10,
  requestTimeoutMs: 3_000,
  thinkMaxMs: 40,
  partitions: 64,
  vnodesPerNode: 16,
  traceLinesKept: 0,
  activeMaxMs: 600_000,
  settleMaxMs: 60_000,
  linearizabilityStepsMax: DEFAULT_LINEARIZABILITY_STEPS_MAX,
});

export type Checker = "linearizability" | "atomicity" | "scan" | "convergence" | "liveness" | "admission" | "placement" | "availability";

export interface SimFailure {
  checker: Checker;
  message: string;
  /** Where to look in the trace: the keys involved, and the span of simulated time. */
  keys: string[];
  fromUs: number;
  toUs: number;
}

export interface SimReport {
  seed: number;
  ok: boolean;
  failures: SimFailure[];
  /** Keys whose linearizability search ran out of steps: neither passed nor failed. */
  undecidedKeys: string[];
  trace: string;
  traceLines: TraceLine[];
  plan: FaultPlan;
  history: HistoryEntry[];
  /** Writes in the outage phase's windows, failed and in all (the availability checker judges them). */
  availability: AvailabilityMeasure[];
  stats: {
    requests: number;
    succeeded: number;
    failed: number;
    unknown: number;
    simulatedMs: number;
    events: number;
    crashes: number;
    restarts: number;
    pauses: number;
    cuts: number;
    impostors: number;
    aimedCrashes: number;
    stalls: number;
    /** Storage nodes the outage phase took down for long. */
    outages: number;
    /** Keys damaged on a replica after the final heal, for a repair round to bring back (rot.ts). */
    rotted: number;
  };
}

/** Extra attempts of a client request after TRYAGAIN; the final reads try harder, the cluster being healed. */
const CLIENT_RETRIES_MAX = 5;
/** The outage phase's load: a few clients, slower than the work's, for many seconds. */
const OUTAGE_CLIENTS = 3;
const OUTAGE_THINK_MAX_US = 100_000;
/** Far above what the outage phase's load makes (a few thousand attempts, retries included). */
const OUTAGE_HISTORY_MAX = 30_000;
const FINAL_READ_RETRIES_MAX = 50;
/** Reads of each unreadable rotted key while the repair round runs: with reads rotating over three replicas, most damaged copies are asked. */
const ROT_READS_PER_KEY = 3;
const SETTLE_STEP_US = 50_000;
/** New nodes the membership changes may start (a join, and a replacement). */
const SPARE_NODES = 2;
/** The longest one membership change may take, faults and all, before the run fails. */
const MEMBERSHIP_STEP_MAX_US = 120_000_000;
/** How often the placement monitor looks at the coordinator's partitions (besides every acknowledgement). */
const PLACEMENT_SAMPLE_US = 100_000;
/** Far above what a run of the default size uses (a few thousand happenings queued at most). */
const CLUSTER_BOUNDS = Object.freeze({ scheduledMax: 1_000_000, inboxMax: 100_000, diskPendingMax: 100_000, requestsMax: 10_000 });

export function runSimulation(options: SimOptions): SimReport {
  return new Run(options).report();
}

/** One run's phases: work under faults, heal and settle, read everything, check. */
class Run {
  readonly plan: FaultPlan;
  readonly cluster: SimCluster;
  readonly history: HistoryRecorder;
  readonly keys: string[];
  readonly failures: SimFailure[] = [];
  readonly finalValues = new Map<string, string | null>();
  readonly placement: PlacementMonitor;
  readonly operator: MembershipOperator;
  undecidedKeys: string[] = [];
  availability: AvailabilityMeasure[] = [];
  /** The outage phase's stretch in which no write may stall (returning learners slow to confirm). */
  stallWindow: AvailabilityWindow | undefined;
  outages = 0;
  rotted = 0;

  constructor(private readonly options: SimOptions) {
    this.plan = drawFaultPlan(Prng.derive(options.seed, "plan"), options.faults);
    this.cluster = new SimCluster({
      seed: options.seed, nodes: options.nodes, spareNodes: SPARE_NODES, replicas: options.replicas, minInSync: minInSyncOf(options), partitions: options.partitions,
      vnodesPerNode: options.vnodesPerNode, tickMs: options.tickMs, requestTimeoutMs: options.requestTimeoutMs,
      plan: this.plan, plant: options.plant === undefined ? undefined : findPlant(options.plant), traceLinesKept: options.traceLinesKept,
      bounds: CLUSTER_BOUNDS,
    });
    this.history = new HistoryRecorder(Math.max(10_000, options.ops * (CLIENT_RETRIES_MAX + 2) + 10 * FINAL_READ_RETRIES_MAX) + OUTAGE_HISTORY_MAX);
    this.keys = allKeys(makeKeySpace(options));
    this.placement = new PlacementMonitor(minInSyncOf(options));
    this.operator = new MembershipOperator(this.cluster, Prng.derive(options.seed, "operator"), operatorSteps(this.plan.membershipChanges),
      MEMBERSHIP_STEP_MAX_US, (message) => this.#fail("liveness", message));
  }

  report(): SimReport {
    this.#watchPlacement();
    this.cluster.startAll();
    this.#workUnderFaults();
    let settled = !this.cluster.halted && this.#healAndSettle();
    if (settled && this.plan.outageMs > 0) {
      const windows = this.#outage();
      settled = !this.cluster.halted && this.#healAndSettle();
      this.availability = windows.map((window) => measureAvailability(this.history.entries, window));
    }
    if (settled && Math.floor(this.plan.rotKeys) > 0) settled = this.#rotAndRepair() && !this.cluster.halted && this.#healAndSettle();
    const settledAtUs = this.cluster.scheduler.nowUs;
    if (settled) this.#readEveryKey();
    this.#check(settled, settledAtUs);
    return {
      ...report(this.options.seed, this.plan, this.cluster, this.history.entries, this.failures, this.undecidedKeys, this.outages, this.rotted),
      availability: this.availability,
    };
  }

  #fail(checker: Checker, message: string, keys: string[] = [], fromUs = this.cluster.scheduler.nowUs, toUs = fromUs): void {
    this.failures.push({ checker, message, keys, fromUs, toUs });
  }

  /** Placement is looked at every PLACEMENT_SAMPLE_US, and at every acknowledged write as it is answered. */
  #watchPlacement(): void {
    const { cluster, placement } = this;
    const serving = (): { membership: Membership; machine: NonNullable<SimCluster["coordinatorMachine"]> } | undefined => {
      const machine = cluster.coordinator.alive ? cluster.coordinatorMachine : undefined;
      const { placement: persisted, members, layout } = cluster.coordinatorDisk.durable;
      const view = machine?.view();
      if (machine === undefined || persisted === undefined || view?.state !== "serving") return undefined;
      // A members record durable on disk that the machine has not heard of yet (or the reverse, a
      // crash having taken it): the two disagree only for that moment, which is not judged.
      const ring = layout?.ring ?? members.map((member) => member.id);
      const target = layout?.target ?? null;
      if (!sameLayout(view, ring, target)) return undefined;
      return { machine, membership: { placement: persisted, members: members.map((member) => member.id), layout: { ring, target } } };
    };
    const sample = (): void => {
      const found = serving();
      if (found !== undefined) placement.sample(found.machine.partitionStates(), found.membership, cluster.coordinator.incarnation, cluster.scheduler.nowUs);
      cluster.scheduler.after(PLACEMENT_SAMPLE_US, sample);
    };
    cluster.scheduler.after(PLACEMENT_SAMPLE_US, sample);
    cluster.clients.onAnswer = (op, outcome) => {
      if (!acknowledgedWrite(op, outcome)) return;
      const found = serving();
      if (found === undefined) return;
      const disks = [...cluster.nodes.values()].map((node) => node.disk.durable);
      placement.acknowledged(op, found.machine.partitionStates(), found.membership, disks, cluster.scheduler.nowUs);
    };
  }

  #client(name: string, requests: number, retriesMax: number, nextOp: ConstructorParameters<typeof SimClient>[6], thinkMaxUs = this.options.thinkMaxMs * 1000): SimClient {
    const { options, cluster } = this;
    return new SimClient(name, cluster.scheduler, Prng.derive(options.seed, `client:${name}`), cluster.clients, this.history, {
      requests, retriesMax, thinkMaxUs, backoffMaxUs: 100_000, timeoutUs: clientTimeoutUs(options, this.plan),
    }, nextOp);
  }

  #workUnderFaults(): void {
    const { options, cluster } = this;
    const space = makeKeySpace(options);
    const clients = Array.from({ length: options.clients }, (_, index) => {
      const requests = Math.floor(options.ops / options.clients) + (index < options.ops % options.clients ? 1 : 0);
      const workload = Prng.derive(options.seed, `workload:c${index + 1}`);
      return this.#client(`c${index + 1}`, requests, CLIENT_RETRIES_MAX, (value) => nextOp(workload, space, value));
    });
    for (const client of clients) client.start();
    const nemesis = new Nemesis(cluster.scheduler, Prng.derive(options.seed, "nemesis"), this.plan, nemesisTargets(cluster), Prng.derive(options.seed, "nemesis:aimed"));
    nemesis.start();
    this.operator.start();
    const allDone = (): boolean => clients.every((client) => client.done);
    cluster.scheduler.runUntil(options.activeMaxMs * 1000, () => cluster.halted || allDone());
    // The heal that follows mends everything; the nemesis's pending restarts must not touch the phases after it.
    nemesis.retire();
    if (!cluster.halted && !allDone()) this.#fail("liveness", `the clients had not finished after ${options.activeMaxMs} ms`);
  }

  /** The outage phase, with the run's workload as its load (reads too: they must see every acknowledged write). */
  #outage(): AvailabilityWindow[] {
    const { options, cluster } = this;
    const space = makeKeySpace(options);
    let loadClients = 0;
    const phase = new OutagePhase(
      { replicas: options.replicas, minInSync: minInSyncOf(options), outageMs: this.plan.outageMs, clockSkew: this.plan.clockSkew },
      {
        cluster,
        prng: Prng.derive(options.seed, "outage"),
        startLoad: () => {
          let running = true;
          // Every load has clients of its own names, so that every value written in the run stays unique.
          const clients = Array.from({ length: OUTAGE_CLIENTS }, () => {
            loadClients += 1;
            const workload = Prng.derive(options.seed, `outage:o${loadClients}`);
            return this.#client(`o${loadClients}`, Number.MAX_SAFE_INTEGER, CLIENT_RETRIES_MAX, (value) => (running ? nextOp(workload, space, value) : undefined),
              OUTAGE_THINK_MAX_US);
          });
          for (const client of clients) client.start();
          return { stop: () => (running = false), done: () => clients.every((client) => client.done) };
        },
        readEveryKey: (times) => this.#readKeys("degraded", times),
        failLiveness: (message) => this.#fail("liveness", message),
      },
    );
    const windows = phase.run();
    this.outages = phase.outages;
    this.stallWindow = phase.stallWindow;
    return windows;
  }

  #healAndSettle(): boolean {
    this.cluster.healAll();
    return settle(this.cluster, this.options.settleMaxMs, (message) => this.#fail("liveness", message), () => this.operator.pending());
  }

  /**
   * Repair: the moment a background repair round starts (tombstone collection waits while it runs),
   * keys are damaged on one replica each behind the machines' backs (rot.ts); that round must
   * finish, and the final read and the convergence check then judge whether it brought every copy back.
   */
  #rotAndRepair(): boolean {
    const { cluster, options } = this;
    const deadlineUs = cluster.scheduler.nowUs + options.settleMaxMs * 1000;
    const repair = () => cluster.coordinatorMachine?.view().repair;
    const before = repair()?.current?.id ?? repair()?.last?.id ?? 0;
    const round = () => (repair()?.current?.id ?? 0) > before;
    cluster.scheduler.runUntil(deadlineUs, () => cluster.halted || round());
    if (!round()) {
      if (!cluster.halted) this.#fail("liveness", `no background repair round started within ${options.settleMaxMs} ms`);
      return false;
    }
    const id = repair()!.current!.id;
    const machine = cluster.coordinatorMachine!;
    const disks = new Map([...cluster.nodes].map(([node, handle]) => [node, handle.disk.durable]));
    const replicasOf = (key: string) => machine.locate(textToBytes(key)).replicas.map((replica) => replica.id);
    const rotted = rot(Prng.derive(options.seed, "rot"), this.keys, Math.floor(this.plan.rotKeys), options.replicas, replicasOf, disks);
    for (const { key, node, kind } of rotted) cluster.trace.record(cluster.scheduler.nowUs, `! rot ${key} on ${node}: ${kind}`);
    this.rotted = rotted.length;
    // Reads of the unreadable keys while the round runs (into the history, judged like any other):
    // reads rotate over the replicas, so the damaged copies are asked too, and must never be the
    // answer. Not the other kinds: a copy damaged in a way a read returns (an older or a lost value)
    // is served until the round mends it, as documented; the final read judges those.
    const unreadable = rotted.filter((done) => done.kind === "unreadable").map((done) => done.key);
    if (unreadable.length > 0) this.#readKeys("rotted", ROT_READS_PER_KEY, unreadable);
    const finished = () => (repair()?.last?.id ?? 0) >= id;
    cluster.scheduler.runUntil(deadlineUs, () => cluster.halted || finished());
    if (!cluster.halted && !finished()) this.#fail("liveness", `repair round ${id}, which started as the damage was done, had not finished within ${options.settleMaxMs} ms`);
    return finished();
  }

  /** Durability: every key read through the coordinator of the healed cluster, into the history. */
  #readEveryKey(): void {
    const { keys, history } = this;
    const firstFinal = history.entries.length;
    this.#readKeys("final", 1);
    for (const entry of history.entries.slice(firstFinal)) {
      if (entry.op.f === "get" && entry.result.type === "values") this.finalValues.set(entry.op.keys[0]!, entry.result.values[0] ?? null);
    }
    for (const key of keys) if (!this.finalValues.has(key)) this.#fail("liveness", `the final read of ${key} never succeeded on the healed cluster`, [key]);
  }

  /** Every key read `times` times, one key per request, by client `name`; the answers go into the history. */
  #readKeys(name: string, times: number, keys: readonly string[] = this.keys): void {
    const { cluster } = this;
    const reader = this.#client(name, keys.length * times, FINAL_READ_RETRIES_MAX, (_value, index) => ({ f: "get", keys: [keys[index % keys.length]!] }));
    reader.start();
    cluster.scheduler.runUntil(cluster.scheduler.nowUs + this.options.settleMaxMs * 1000, () => cluster.halted || reader.done);
  }

  #check(settled: boolean, settledAtUs: number): void {
    const { cluster, history, keys } = this;
    for (const { checker, message, atUs } of cluster.failures) this.#fail(checker, message, [], atUs);
    for (const { message, keys: involved, atUs } of this.placement.problems) this.#fail("placement", message, involved, atUs);
    for (const message of cluster.clients.unanswered()) this.#fail("liveness", message);
    const linearizability = checkLinearizability(history.entries, { settledAt: settledAtUs, stepsMax: this.options.linearizabilityStepsMax });
    for (const verdict of linearizability.keys) {
      if (verdict.verdict !== "violation") continue;
      const { invoke, complete } = verdict.blockedEntry!;
      this.#fail("linearizability", verdict.detail!, [verdict.key], invoke, complete ?? settledAtUs);
    }
    this.undecidedKeys = linearizability.keys.filter((key) => key.verdict === "unknown").map((key) => key.key);
    for (const measure of this.availability) {
      const problem = availabilityProblem(measure);
      if (problem !== undefined) this.#fail("availability", problem, [], measure.window.fromUs, measure.window.toUs);
    }
    if (this.stallWindow !== undefined) {
      const stall = stallProblem(history.entries, this.stallWindow);
      if (stall !== undefined) this.#fail("availability", stall, [], this.stallWindow.fromUs, this.stallWindow.toUs);
    }
    for (const violation of checkAtomicity(history.entries)) {
      this.#fail("atomicity", violation.detail, violation.group, violation.read.invoke, violation.read.complete ?? violation.read.invoke);
    }
    for (const violation of checkKeyScans(history.entries)) {
      this.#fail("scan", violation.detail, violation.keys, violation.scan.invoke, violation.scan.complete ?? violation.scan.invoke);
    }
    if (!settled) return;
    // Nodes removed from the cluster (retired) and spares never started hold nothing that counts.
    const nodes = new Map(cluster.nodeIds.map((id) => [id, cluster.nodes.get(id)!.disk.durable]));
    for (const problem of checkConvergence({ coordinator: cluster.coordinatorDisk.durable, nodes, keys, finalValues: this.finalValues })) {
      this.#fail("convergence", problem, keys.filter((key) => problem.includes(` ${key} `)));
    }
  }
}

/** Runs until nothing moves, or fails the run with what still moved when time ran out. */
function settle(cluster: SimCluster, settleMaxMs: number, fail: (message: string) => void, pending: () => string[]): boolean {
  const { scheduler } = cluster;
  const deadlineUs = scheduler.nowUs + settleMaxMs * 1000;
  for (;;) {
    scheduler.runUntil(scheduler.nowUs + SETTLE_STEP_US, () => cluster.halted);
    if (cluster.halted) return false;
    const problems = [...pending(), ...cluster.unsettled()];
    if (problems.length === 0) return true;
    if (scheduler.nowUs >= deadlineUs) {
      fail(`the healed cluster did not settle within ${settleMaxMs} ms: ${problems.join("; ")}`);
      return false;
    }
  }
}

/** The machine's ring and change target are those of the disk's layout. */
function sameLayout(view: ReturnType<NonNullable<SimCluster["coordinatorMachine"]>["view"]>, ring: readonly string[], target: readonly string[] | null): boolean {
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((node) => b.includes(node));
  const viewRing = view.members.filter((member) => member.role === "active" || member.role === "leaving").map((member) => member.id);
  const viewTarget = view.move === null || same(view.move.target, view.move.ring) ? null : view.move.target;
  return same(viewRing, ring) && (target === null ? viewTarget === null : viewTarget !== null && same(viewTarget, target));
}

/** A write the coordinator answered with success (a SET that wrote, an MSET, a DEL that deleted something). */
function acknowledgedWrite(op: WireOp, outcome: Outcome): op is HistoryOp {
  if (outcome.kind !== "result") return false;
  const { result } = outcome;
  if (op.f === "set") return result.kind === "set" && result.written;
  if (op.f === "del") return result.kind === "count" && result.count > 0;
  return op.f === "mset" && result.kind === "ok";
}

/** W as the run uses it: as given, or one fewer than R (a cluster that survives the loss of a replica). */
export function minInSyncOf(options: Pick<SimOptions, "replicas" | "minInSync">): number {
  return options.minInSync > 0 ? options.minInSync : Math.max(1, options.replicas - 1);
}

/**
 * The client waits past the coordinator's own deadline by what clock skew, tick granularity and the
 * round trip can add, so that a missing answer is the coordinator's fault, not the client's haste.
 */
function clientTimeoutUs(options: SimOptions, plan: FaultPlan): number {
  const requestUs = options.requestTimeoutMs * 1000;
  return Math.ceil(requestUs * (1 + 3 * plan.clockSkew) + 3 * options.tickMs * 1000 + 100_000);
}

function nemesisTargets(cluster: SimCluster): ConstructorParameters<typeof Nemesis>[3] {
  return {
    coordinator: COORDINATOR,
    get nodes() {
      return cluster.nodeIds;
    },
    isAlive: (name) => cluster.isAlive(name),
    isPaused: (name) => cluster.isPaused(name),
    crash: (name) => cluster.crash(name),
    crashMidSync: (name, untilUs) => cluster.crashMidSync(name, untilUs),
    restart: (name) => cluster.restart(name),
    pause: (name) => cluster.pause(name),
    resume: (name) => cluster.resume(name),
    cut: (node, cut) => cluster.cut(node, cut),
    heal: (node) => cluster.heal(node),
    impostor: (node) => cluster.impostor(node),
    aimCoordinatorCrash: (window, untilUs) => cluster.aimCoordinatorCrash(window, untilUs),
    stallDisk: (name, untilUs) => cluster.stallDisk(name, untilUs),
  };
}

function report(
  seed: number, plan: FaultPlan, cluster: SimCluster, history: HistoryEntry[], failures: SimFailure[], undecidedKeys: string[], outages: number, rotted: number,
): Omit<SimReport, "availability"> {
  const count = (type: string): number => history.filter((entry) => entry.result.type === type).length;
  const unknown = count("unknown");
  const failed = count("error");
  return {
    seed,
    ok: failures.length === 0,
    failures,
    undecidedKeys,
    trace: cluster.trace.hex(),
    traceLines: cluster.trace.keptLines(),
    plan,
    history,
    stats: {
      requests: history.length,
      succeeded: history.length - unknown - failed,
      failed,
      unknown,
      simulatedMs: Math.round(cluster.scheduler.nowUs / 1000),
      events: cluster.trace.count,
      ...cluster.stats,
      outages,
      rotted,
    },
  };
}
