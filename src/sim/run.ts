// One simulated run from a seed: start the cluster, let the clients work while the nemesis breaks
// things, heal everything and let it settle, read every key through the coordinator, then check
// the history (linearizability, atomicity) and the disks (convergence). Same seed and options, same
// run: the trace fingerprint proves it.

import { checkAtomicity } from "./atomicity.js";
import { SimCluster } from "./cluster.js";
import { checkConvergence } from "./convergence.js";
import { drawFaultPlan, type FaultPlan } from "./faults.js";
import { HistoryRecorder, type HistoryEntry } from "./history.js";
import { checkLinearizability, DEFAULT_LINEARIZABILITY_STEPS_MAX } from "./linearizability.js";
import { Nemesis } from "./nemesis.js";
import { findPlant } from "./plants.js";
import { Prng } from "./prng.js";
import { SimClient } from "./sim-client.js";
import { COORDINATOR } from "./sim-network.js";
import type { TraceLine } from "./trace.js";
import { allKeys, makeKeySpace, nextOp } from "./workload.js";

export interface SimOptions {
  seed: number;
  nodes: number;
  replicas: number;
  clients: number;
  /** Client requests in all (retries not counted), spread over the clients. */
  ops: number;
  registerKeys: number;
  groups: number;
  groupSize: number;
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
  clients: 5,
  ops: 300,
  registerKeys: 4,
  groups: 2,
  groupSize: 3,
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

export type Checker = "linearizability" | "atomicity" | "convergence" | "liveness";

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
  };
}

const FINAL_READ_RETRIES = 50;
const SETTLE_STEP_US = 50_000;

export function runSimulation(options: SimOptions): SimReport {
  const plan = drawFaultPlan(Prng.derive(options.seed, "plan"), options.faults);
  const plant = options.plant === undefined ? undefined : findPlant(options.plant);
  const cluster = new SimCluster({
    seed: options.seed, nodes: options.nodes, replicas: options.replicas, partitions: options.partitions,
    vnodesPerNode: options.vnodesPerNode, tickMs: options.tickMs, requestTimeoutMs: options.requestTimeoutMs,
    plan, plant, traceLinesKept: options.traceLinesKept,
    bounds: { scheduledMax: 1_000_000, inboxMax: 100_000, diskPendingMax: 100_000, requestsMax: 10_000 },
  });
  const { scheduler } = cluster;
  const history = new HistoryRecorder(Math.max(10_000, options.ops * (FINAL_READ_RETRIES + 2)));
  const space = makeKeySpace(options);
  const clientOptions = (requests: number, retriesMax: number) => ({
    requests, retriesMax, thinkMaxUs: options.thinkMaxMs * 1000, backoffMaxUs: 100_000,
    timeoutUs: clientTimeoutUs(options, plan),
  });
  const failures: SimFailure[] = [];
  const fail = (checker: Checker, message: string, keys: string[] = [], fromUs = scheduler.nowUs, toUs = fromUs): void => {
    failures.push({ checker, message, keys, fromUs, toUs });
  };

  cluster.startAll();
  const clients = Array.from({ length: options.clients }, (_, index) => {
    const name = `c${index + 1}`;
    const requests = Math.floor(options.ops / options.clients) + (index < options.ops % options.clients ? 1 : 0);
    const prng = Prng.derive(options.seed, `client:${name}`);
    return new SimClient(name, scheduler, prng, cluster.clients, history, clientOptions(requests, 5), (value) => nextOp(prng, space, value));
  });
  for (const client of clients) client.start();
  const nemesis = new Nemesis(scheduler, Prng.derive(options.seed, "nemesis"), plan, nemesisTargets(cluster));
  nemesis.start();
  scheduler.runUntil(options.activeMaxMs * 1000, () => cluster.halted || clients.every((client) => client.done));
  if (!cluster.halted && !clients.every((client) => client.done)) fail("liveness", `the clients had not finished after ${options.activeMaxMs} ms`);

  nemesis.stop();
  cluster.healAll();
  const settled = !cluster.halted && settle(cluster, options.settleMaxMs, fail);
  const settledAtUs = scheduler.nowUs;

  const keys = allKeys(space);
  const finalValues = new Map<string, string | null>();
  if (settled) {
    const reader = new SimClient("final", scheduler, Prng.derive(options.seed, "client:final"), cluster.clients, history,
      clientOptions(keys.length, FINAL_READ_RETRIES), (_value, index) => ({ f: "get", keys: [keys[index]!] }));
    const firstFinal = history.entries.length;
    reader.start();
    scheduler.runUntil(scheduler.nowUs + options.settleMaxMs * 1000, () => cluster.halted || reader.done);
    for (const entry of history.entries.slice(firstFinal)) {
      if (entry.result.type === "values") finalValues.set(entry.op.f === "get" ? entry.op.keys[0]! : "", entry.result.values[0] ?? null);
    }
    for (const key of keys) if (!finalValues.has(key)) fail("liveness", `the final read of ${key} never succeeded on the healed cluster`, [key]);
  }

  for (const { message, atUs } of cluster.failures) fail("liveness", message, undefined, atUs);
  for (const message of cluster.clients.unanswered()) fail("liveness", message);
  const linearizability = checkLinearizability(history.entries, { settledAt: settledAtUs, stepsMax: options.linearizabilityStepsMax });
  for (const verdict of linearizability.keys) {
    if (verdict.verdict !== "violation") continue;
    const { invoke, complete } = verdict.blockedEntry!;
    fail("linearizability", verdict.detail!, [verdict.key], invoke, complete ?? settledAtUs);
  }
  for (const violation of checkAtomicity(history.entries)) {
    fail("atomicity", violation.detail, violation.group, violation.read.invoke, violation.read.complete ?? violation.read.invoke);
  }
  if (settled) {
    const nodes = new Map([...cluster.nodes].map(([id, node]) => [id, node.disk.durable]));
    for (const problem of checkConvergence({ coordinator: cluster.coordinatorDisk.durable, nodes, keys, finalValues })) {
      fail("convergence", problem, keys.filter((key) => problem.includes(` ${key} `)));
    }
  }
  return report(options.seed, plan, cluster, history.entries, failures, linearizability.keys.filter((key) => key.verdict === "unknown").map((key) => key.key));
}

/** Runs until nothing moves, or fails the run with what still moved when time ran out. */
function settle(cluster: SimCluster, settleMaxMs: number, fail: (checker: Checker, message: string) => void): boolean {
  const { scheduler } = cluster;
  const deadlineUs = scheduler.nowUs + settleMaxMs * 1000;
  for (;;) {
    scheduler.runUntil(scheduler.nowUs + SETTLE_STEP_US, () => cluster.halted);
    if (cluster.halted) return false;
    const problems = cluster.unsettled();
    if (problems.length === 0) return true;
    if (scheduler.nowUs >= deadlineUs) {
      fail("liveness", `the healed cluster did not settle within ${settleMaxMs} ms: ${problems.join("; ")}`);
      return false;
    }
  }
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
    nodes: cluster.nodeIds,
    isAlive: (name) => cluster.isAlive(name),
    isPaused: (name) => cluster.isPaused(name),
    crash: (name) => cluster.crash(name),
    crashMidSync: (name, untilUs) => cluster.crashMidSync(name, untilUs),
    restart: (name) => cluster.restart(name),
    pause: (name) => cluster.pause(name),
    resume: (name) => cluster.resume(name),
    cut: (node, cut) => cluster.cut(node, cut),
    heal: (node) => cluster.heal(node),
  };
}

function report(
  seed: number, plan: FaultPlan, cluster: SimCluster, history: HistoryEntry[], failures: SimFailure[], undecidedKeys: string[],
): SimReport {
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
    },
  };
}
