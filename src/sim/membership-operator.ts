// The simulated operator: membership changes while the clients work and the nemesis breaks things
// (issue 10). Its steps, in order: a new node joins (the cluster grows), a live node is removed (its
// partitions move off it first), and a node whose disk is lost is removed as dead (re-replicated
// from the others) and replaced by another new node. Each step waits until the coordinator shows it
// done (the node in or out of the ring, no change in progress) before the next begins; a request
// refused for now (a replica down, a change being written) or lost with a crashed coordinator is
// asked again. What it waits for is part of what a settled cluster must not have.

import type { NodeId } from "../core/cluster/types.js";
import type { SimCluster } from "./cluster.js";
import type { Prng } from "./prng.js";

export type OperatorStep = "join" | "remove" | "remove-dead" | "replace";

/** The steps of a plan with `count` of them (faults.ts draws 0, 2 or 4). */
export function operatorSteps(count: number): OperatorStep[] {
  return (["join", "remove", "remove-dead", "replace"] as const).slice(0, count);
}

const POLL_US = 100_000;
/** The operator begins once the membership is sealed, or gives up by then. */
const BEGIN_MAX_US = 30_000_000;
const RETRY_US = 300_000;
/** A request the coordinator did not answer by then (it crashed) is asked again. */
const ANSWER_WAIT_US = 4_000_000;

export class MembershipOperator {
  #step = 0;
  /** What it is doing now, for the settle check; null once every step is done. */
  #doing: string | null = "waiting to begin";
  #startedAtUs = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly prng: Prng,
    private readonly steps: readonly OperatorStep[],
    /** The longest one step may take before the run fails (liveness). */
    private readonly stepMaxUs: number,
    private readonly fail: (message: string) => void,
  ) {
    if (steps.length === 0) this.#doing = null;
  }

  /** Begins once the first write sealed the membership (before it a new node simply joins the ring: nothing moves). */
  start(): void {
    if (this.steps.length === 0) return;
    const begin = (): void => {
      if (this.#view()?.sealed === true) return this.#next();
      // No write ever sealed it (the faults let none through): there is nothing to move.
      if (this.cluster.scheduler.nowUs > BEGIN_MAX_US) {
        this.#doing = null;
        return;
      }
      this.cluster.scheduler.after(POLL_US, begin);
    };
    this.cluster.scheduler.after(200_000 + this.prng.float() * 1_300_000, begin);
  }

  /** What the operator still waits for; empty once it is done. */
  pending(): string[] {
    return this.#doing === null ? [] : [`the operator is ${this.#doing}`];
  }

  #next(): void {
    const step = this.steps[this.#step];
    if (step === undefined) {
      this.#doing = null;
      return;
    }
    this.#step += 1;
    this.#startedAtUs = this.cluster.scheduler.nowUs;
    if (step === "join" || step === "replace") return this.#join();
    if (step === "remove") return this.#removeVictim(false);
    // A disk is lost only while every partition has all its copies: losing the only in-sync copy
    // of a partition is a loss no membership change can undo, and the coordinator rightly refuses.
    this.#doing = "waiting for every partition to be fully in sync before a disk is lost";
    this.#waitFor(() => this.#view()?.underReplicatedPartitions === 0 && this.#view()?.catchUps.length === 0, () => this.#removeVictim(true));
  }

  #removeVictim(dead: boolean): void {
    const victim = this.#pickVictim();
    if (victim === undefined) return this.#next();
    if (dead) this.cluster.retire(victim, "its disk is lost");
    this.#remove(victim, dead);
  }

  #join(): void {
    const id = this.cluster.spareIds[0];
    if (id === undefined) return this.#next();
    this.#doing = `waiting for ${id} to join the ring`;
    this.cluster.join(id);
    this.#waitFor(() => this.#role(id) === "active");
  }

  /** A node of the ring, not the last ones. */
  #pickVictim(): NodeId | undefined {
    const inRing = this.cluster.nodeIds.filter((id) => this.#role(id) === "active");
    return inRing.length <= 1 ? undefined : this.prng.pick(inRing);
  }

  #remove(victim: NodeId, dead: boolean): void {
    this.#doing = `removing ${victim}${dead ? " (dead)" : ""}`;
    if (this.#overdue()) return;
    let answered = false;
    this.cluster.requestRemoval(victim, dead, (outcome) => {
      answered = true;
      // Already under way, or done: an earlier request took effect though its answer was lost.
      const started = outcome.ok || /already being removed|no storage node/.test(outcome.message);
      if (started) return this.#waitFor(() => this.#role(victim) === undefined);
      this.cluster.trace.record(this.cluster.scheduler.nowUs, `! operator: removal of ${victim} refused for now: ${outcome.code} ${outcome.message}`);
      this.cluster.scheduler.after(RETRY_US, () => this.#remove(victim, dead));
    });
    this.cluster.scheduler.after(ANSWER_WAIT_US, () => {
      if (!answered) this.#remove(victim, dead);
    });
  }

  /** Polls until `done` holds with no change in progress, then goes on (by default: the next step). */
  #waitFor(done: () => boolean, then = (): void => this.#next()): void {
    const poll = (): void => {
      const view = this.#view();
      if (view !== undefined && view.move === null && done()) return then();
      if (this.#overdue()) return;
      this.cluster.scheduler.after(POLL_US, poll);
    };
    poll();
  }

  #overdue(): boolean {
    if (this.cluster.scheduler.nowUs - this.#startedAtUs < this.stepMaxUs) return false;
    this.fail(`membership change not done within ${Math.round(this.stepMaxUs / 1000)} ms: the operator was ${this.#doing}`);
    this.#doing = null;
    return true;
  }

  #view(): ReturnType<NonNullable<SimCluster["coordinatorMachine"]>["view"]> | undefined {
    const machine = this.cluster.coordinator.alive ? this.cluster.coordinatorMachine : undefined;
    const view = machine?.view();
    return view?.state === "serving" ? view : undefined;
  }

  #role(id: NodeId): string | undefined {
    return this.#view()?.members.find((member) => member.id === id)?.role;
  }
}
