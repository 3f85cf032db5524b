// The outage phase of a run (issue 9), after the work under random faults has been healed: with
// everything else healthy and clients writing all along,
//   1. R − W storage nodes (one at least) go down for the plan's outageMs, many seconds: once the
//      in-sync sets have had time to shrink, writes to every key must succeed (availability window);
//   2. they come back and must catch up (every partition's in-sync set whole again, no learners)
//      while the writes go on;
//   3. the coordinator restarts, so that its read cache is gone and reads reach the replicas;
//   4. ANOTHER replica dies: writes must succeed again once the sets have shrunk (a second window),
//      and every key is read R times (a replica in rotation each time) with it down — only a correct
//      catch-up still holds every acknowledged write then; linearizability judges those reads;
//   5. it is left down: the run's final heal brings it back and waits for its catch-up.

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
  /** Starts clients that keep making requests until `stop`; `done` once each has its last answer. */
  startLoad(): { stop(): void; done(): boolean };
  /** Reads every key `times` times through the coordinator, into the history. */
  readEveryKey(times: number): void;
  failLiveness(message: string): void;
}

/** After the replica timeout, how long before writes must succeed: a prepare timeout, a retry's backoff, and then some. */
const SHRINK_MARGIN_US = 1_500_000;
/** How long the second window measures once the sets have shrunk again. */
const SECOND_WINDOW_US = 2_000_000;
/** Returning nodes must be in sync again within this, under the load. */
const CATCH_UP_MAX_US = 30_000_000;
/** The restarted coordinator must serve, with every node connected, within this. */
const RECONNECT_MAX_US = 10_000_000;
const POLL_US = 50_000;

export class OutagePhase {
  /** Nodes the phase took down. */
  outages = 0;

  constructor(private readonly settings: OutageSettings, private readonly runner: OutageRunner) {}

  /** Runs the phase; returns the windows in which writes must have been available (none when R = W). */
  run(): AvailabilityWindow[] {
    const { cluster, prng } = this.runner;
    const { replicas, minInSync, outageMs } = this.settings;
    const { scheduler } = cluster;
    const nodes = [...cluster.nodeIds];
    const victims = prng.shuffled(nodes).slice(0, Math.max(1, replicas - minInSync));
    const other = prng.pick(nodes.filter((id) => !victims.includes(id)));
    // With R = W no replica may be missing: writes to a down node's partitions fail, by design.
    const measured = replicas > minInSync;
    // Whole microseconds: the scheduler's clock only takes those.
    const graceUs = Math.ceil(this.#replicaTimeoutUs() * (1 + this.settings.clockSkew)) + SHRINK_MARGIN_US;
    const windows: AvailabilityWindow[] = [];
    const load = this.runner.startLoad();

    const downAtUs = this.#down(victims, `for ${Math.round(outageMs)} ms`);
    scheduler.runUntil(downAtUs + Math.round(outageMs * 1000), () => cluster.halted);
    if (measured) windows.push({ name: `${victims.join(",")} down`, fromUs: downAtUs + graceUs, toUs: scheduler.nowUs });

    cluster.trace.record(scheduler.nowUs, `! outage: ${victims.join(",")} return`);
    for (const id of victims) cluster.restart(id);
    if (!this.#waitUntil(() => this.#behind(), CATCH_UP_MAX_US)) {
      this.runner.failLiveness(`${victims.join(",")} had not caught up ${CATCH_UP_MAX_US / 1e6} s after their return, under load: ${this.#behind().join("; ")}`);
      load.stop();
      return windows;
    }
    cluster.trace.record(scheduler.nowUs, `! outage: ${victims.join(",")} caught up; the coordinator restarts (its read cache goes)`);
    cluster.crash(COORDINATOR, "outage phase: restart before another replica dies");
    cluster.restart(COORDINATOR);
    if (!this.#waitUntil(() => this.#notServing(), RECONNECT_MAX_US)) {
      this.runner.failLiveness(`the restarted coordinator was not serving with every node within ${RECONNECT_MAX_US / 1e6} s: ${this.#notServing().join("; ")}`);
      load.stop();
      return windows;
    }

    const otherDownAtUs = this.#down([other], `after ${victims.join(",")} caught up`);
    scheduler.runUntil(otherDownAtUs + graceUs + SECOND_WINDOW_US, () => cluster.halted);
    if (measured) windows.push({ name: `${other} down after ${victims.join(",")} caught up`, fromUs: otherDownAtUs + graceUs, toUs: scheduler.nowUs });
    load.stop();
    scheduler.runUntil(scheduler.nowUs + RECONNECT_MAX_US, () => cluster.halted || load.done());
    this.runner.readEveryKey(replicas);
    return windows;
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

  #notServing(): string[] {
    const { cluster } = this.runner;
    const machine = cluster.coordinator.alive ? cluster.coordinatorMachine : undefined;
    if (machine === undefined) return ["the coordinator is not running"];
    const problems = machine.view().state === "serving" ? [] : [`the coordinator is ${machine.view().state}`];
    for (const id of cluster.nodeIds) if (!cluster.network.isOpen(id)) problems.push(`${id} is not connected`);
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
