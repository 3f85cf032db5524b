// The fault injector: crashes and restarts, pauses, link cuts, and impostors (connections that claim
// a member's id without the secret), each a Poisson process at the rates of the run's fault plan,
// aimed at random processes and links. It acts only between start()
// and stop(); what it broke is mended by its own timers or, at the end, by the cluster's heal.

import type { FaultPlan } from "./faults.js";
import type { Prng } from "./prng.js";
import type { Scheduler } from "./scheduler.js";
import type { LinkCut } from "./sim-network.js";

/** What the nemesis may do to the cluster. Names are process names: "coordinator", "n1", ... */
export interface NemesisTargets {
  coordinator: string;
  nodes: readonly string[];
  isAlive(name: string): boolean;
  isPaused(name: string): boolean;
  crash(name: string): void;
  /** Crashes `name` in the middle of its next disk sync, if one starts by `untilUs`. */
  crashMidSync(name: string, untilUs: number): void;
  restart(name: string): void;
  pause(name: string): void;
  resume(name: string): void;
  cut(node: string, cut: LinkCut): void;
  heal(node: string): void;
  /** A connection claiming to be `node` tries to join. */
  impostor(node: string): void;
}

export class Nemesis {
  #active = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly plan: FaultPlan,
    private readonly targets: NemesisTargets,
  ) {}

  start(): void {
    this.#active = true;
    this.#every(this.plan.crashesPerSecond, () => this.#crash());
    this.#every(this.plan.pausesPerSecond, () => this.#pause());
    this.#every(this.plan.partitionsPerSecond, () => this.#cut());
    this.#every(this.plan.impostorsPerSecond, () => this.targets.impostor(this.prng.pick(this.targets.nodes)));
  }

  stop(): void {
    this.#active = false;
  }

  /** Runs `act` at exponentially spread times averaging `perSecond`, while active. */
  #every(perSecond: number, act: () => void): void {
    if (perSecond <= 0) return;
    const next = (): void => {
      this.scheduler.after(this.prng.exponential(1_000_000 / perSecond), () => {
        if (!this.#active) return;
        act();
        next();
      });
    };
    next();
  }

  #crash(): void {
    const { targets, plan, prng } = this;
    const victim = prng.chance(plan.crashCoordinatorShare) ? targets.coordinator : prng.pick(targets.nodes);
    if (!targets.isAlive(victim)) return;
    const restartAfterUs = 1_000 + prng.exponential(plan.restartMeanMs * 1000);
    if (prng.chance(plan.crashMidSyncShare)) targets.crashMidSync(victim, this.scheduler.nowUs + restartAfterUs);
    else targets.crash(victim);
    this.scheduler.after(restartAfterUs, () => {
      if (!targets.isAlive(victim)) targets.restart(victim);
    });
  }

  #pause(): void {
    const { targets, prng } = this;
    const victim = prng.chance(0.3) ? targets.coordinator : prng.pick(targets.nodes);
    if (!targets.isAlive(victim) || targets.isPaused(victim)) return;
    targets.pause(victim);
    this.scheduler.after(prng.exponential(this.plan.pauseMeanMs * 1000), () => targets.resume(victim));
  }

  #cut(): void {
    const { targets, plan, prng } = this;
    const node = prng.pick(targets.nodes);
    const cut: LinkCut = prng.chance(plan.partitionOneWayShare) ? prng.pick(["toNode", "toCoordinator"] as const) : "both";
    targets.cut(node, cut);
    this.scheduler.after(prng.exponential(plan.partitionMeanMs * 1000), () => targets.heal(node));
  }
}
