// The outage phase of a run (issue 9), after the work under random faults has been healed, with
// everything else healthy (no faults, and a network that no longer drops, duplicates or reorders:
// an abort that is lost keeps a key locked until the next inquiry, by design):
//   1. R − W storage nodes (one at least) go down for the plan's outageMs, many seconds, under a
//      load of writes and reads: once the in-sync sets have had time to shrink, writes to every key
//      must succeed (the first availability window);
//   2. with them still down, the coordinator restarts: it must recover the smaller in-sync sets,
//      or the nodes would count as in sync when they return, without what they missed;
//   3. they come back and must catch up (every partition's in-sync set whole again, no learners)
//      under a new load; for the first seconds their confirmations of applies are held back, so the
//      fences their rejoin raises cannot drain: writes must still succeed, none held long (the
//      stall window, which the availability checker judges with stallProblem);
//   4. the coordinator restarts again, so that its read cache is gone and reads reach the replicas;
//   5. ANOTHER replica dies: under a third load, writes must succeed again once the sets have shrunk
//      (the second window); then every key is read R times (a replica in rotation each time) with it
//      down — only a correct catch-up still holds every acknowledged write; linearizability judges;
//   6. it is left down: the run's final heal brings it back and waits for its catch-up.
// Each load is stopped, and its requests answered, before a restart, so that no write of a window is
// cut off by one.

import type { AvailabilityWindow } from "./availability.js";
import type { SimCluster } from "./cluster.js";
import type { Prng } from "./prng.js";
import { COORDINATOR } from "./sim-network.js";

export interface OutageSettings {
  replicas: number;
  minInSync: number;
  outageMs: number;
  /** The most a process clock runs fast or slow: the coordinator's replica timeout may run that much late. */
  clockSkew: number;
}

/** What the phase needs from its run. */
export interface OutageRunner {
  cluster: SimCluster;
  prng: Prng;
  /** Starts new clients that keep making requests until `stop`; `done` once each has its last answer. */
  startLoad(): Load;
  /** Reads every key `times` times through the coordinator, into the history. */
  readEveryKey(times: number): void;
  failLiveness(message: string): void;
}

export interface Load {
  stop(): void;
  done(): boolean;
}

/** After the replica timeout, how long before writes must succeed: a prepare timeout, a retry's backoff, and then some. */
const SHRINK_MARGIN_US = 1_500_000;
/** How long the second window measures once the sets have shrunk again. */
const SECOND_WINDOW_US = 3_000_000;
/** Returning nodes must be in sync again within this, under the load. */
const CATCH_UP_MAX_US = 30_000_000;
/** The restarted coordinator must serve, with every node connected, within this. */
const RECONNECT_MAX_US = 10_000_000;
const POLL_US = 50_000;
/** How long returning nodes' applied answers are held back: several times the longest fence try. */
const APPLIED_LAG_US = 3_000_000;

export class OutagePhase {
  /** Nodes the phase took down. */
  outages = 0;
  /** While the returning nodes were slow to confirm their applies: no write may stall (none when R = W). */
  stallWindow: AvailabilityWindow | undefined;

  constructor(private readonly settings: OutageSettings, private readonly runner: OutageRunner) {}

  /** Runs the phase; returns the windows in which writes must have been available (none when R = W). */
  run(): AvailabilityWindow[] {
    const { cluster, prng } = this.runner;
    const { replicas, minInSync, outageMs } = this.settings;
    const { scheduler } = cluster;
    const nodes = [...cluster.nodeIds];
    const victims = prng.shuffled(nodes).slice(0, Math.max(1, replicas - minInSync));
    const other = prng.pick(nodes.filter((id) => !victims.includes(id)));
    const names = victims.join(",");
    // With R = W no replica may be missing: writes to a down node's partitions fail, by design.
    const measured = replicas > minInSync;
    // Whole microseconds: the scheduler's clock only takes those.
    const graceUs = Math.ceil(this.#replicaTimeoutUs() * (1 + this.settings.clockSkew)) + SHRINK_MARGIN_US;
    const windows: AvailabilityWindow[] = [];
    cluster.calmNetwork();

    let load = this.runner.startLoad();
    const downAtUs = this.#down(victims, `for ${Math.round(outageMs)} ms`);
    scheduler.runUntil(downAtUs + Math.round(outageMs * 1000), () => cluster.halted);
    if (measured) windows.push({ name: `${names} down`, fromUs: downAtUs + graceUs, toUs: scheduler.nowUs });
    if (!this.#restartCoordinator(load, `with ${names} still down`, victims)) return windows;

    cluster.trace.record(scheduler.nowUs, `! outage: ${names} return`);
    const returnedAtUs = scheduler.nowUs;
    for (const id of victims) {
      cluster.restart(id);
      cluster.holdApplied(id, returnedAtUs + APPLIED_LAG_US);
    }
    load = this.runner.startLoad();
    const caughtUp = this.#waitUntil(() => this.#behind(), CATCH_UP_MAX_US);
    // Until they caught up: the restarts and the outage that follow are not this window's.
    const stallEndUs = Math.min(returnedAtUs + APPLIED_LAG_US, scheduler.nowUs);
    if (measured) this.stallWindow = { name: `${names} rejoin slow to confirm applies`, fromUs: returnedAtUs, toUs: stallEndUs };
    if (!caughtUp) {
      this.runner.failLiveness(`${names} had not caught up ${CATCH_UP_MAX_US / 1e6} s after their return, under load: ${this.#behind().join("; ")}`);
      load.stop();
      return windows;
    }
    cluster.trace.record(scheduler.nowUs, `! outage: ${names} caught up`);
    if (!this.#restartCoordinator(load, "so that its read cache goes", [])) return windows;

    load = this.runner.startLoad();
    const otherDownAtUs = this.#down([other], `after ${names} caught up`);
    scheduler.runUntil(otherDownAtUs + graceUs + SECOND_WINDOW_US, () => cluster.halted);
    if (measured) windows.push({ name: `${other} down after ${names} caught up`, fromUs: otherDownAtUs + graceUs, toUs: scheduler.nowUs });
    if (this.#drain(load)) this.runner.readEveryKey(replicas);
    return windows;
  }

  /** Stops `load`, waits for its answers, restarts the coordinator and waits until it serves every node but `down`. */
  #restartCoordinator(load: Load, why: string, down: string[]): boolean {
    const { cluster } = this.runner;
    if (!this.#drain(load)) return false;
    cluster.trace.record(cluster.scheduler.nowUs, `! outage: the coordinator restarts ${why}`);
    cluster.crash(COORDINATOR, `outage phase: restart ${why}`);
    cluster.restart(COORDINATOR);
    if (this.#waitUntil(() => this.#notServing(down), RECONNECT_MAX_US)) return true;
    this.runner.failLiveness(`the restarted coordinator was not serving within ${RECONNECT_MAX_US / 1e6} s: ${this.#notServing(down).join("; ")}`);
    return false;
  }

  /** Stops `load` and runs until every one of its requests has its answer. */
  #drain(load: Load): boolean {
    const { cluster } = this.runner;
    load.stop();
    cluster.scheduler.runUntil(cluster.scheduler.nowUs + RECONNECT_MAX_US, () => cluster.halted || load.done());
    return !cluster.halted && load.done();
  }

  #down(ids: string[], why: string): number {
    const { cluster } = this.runner;
    cluster.trace.record(cluster.scheduler.nowUs, `! outage: ${ids.join(",")} down ${why}`);
    for (const id of ids) cluster.crash(id, "outage phase");
    this.outages += ids.length;
    return cluster.scheduler.nowUs;
  }

  #replicaTimeoutUs(): number {
    const machine = this.runner.cluster.coordinatorMachine;
    if (machine === undefined) throw new Error("sim: the outage phase runs on a started cluster");
    return (machine.config.replicaTimeoutTicks * 1_000_000) / machine.config.ticksPerSecond;
  }

  /** What keeps the cluster from being whole and in sync (ignoring what is in flight). */
  #behind(): string[] {
    return [...this.#notServing(), ...this.runner.cluster.outOfSync()];
  }

  /** What keeps the coordinator from serving with every node connected but those `down` on purpose. */
  #notServing(down: readonly string[] = []): string[] {
    const { cluster } = this.runner;
    const machine = cluster.coordinator.alive ? cluster.coordinatorMachine : undefined;
    if (machine === undefined) return ["the coordinator is not running"];
    const problems = machine.view().state === "serving" ? [] : [`the coordinator is ${machine.view().state}`];
    for (const id of cluster.nodeIds) if (!down.includes(id) && !cluster.network.isOpen(id)) problems.push(`${id} is not connected`);
    return problems;
  }

  /** Runs until `problems()` is empty (true) or `maxUs` has passed (false). */
  #waitUntil(problems: () => string[], maxUs: number): boolean {
    const { scheduler } = this.runner.cluster;
    const deadlineUs = scheduler.nowUs + maxUs;
    while (problems().length > 0) {
      if (scheduler.nowUs >= deadlineUs || this.runner.cluster.halted) return false;
      scheduler.runUntil(scheduler.nowUs + POLL_US, () => this.runner.cluster.halted);
    }
    return true;
  }
}
