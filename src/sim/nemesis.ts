// The fault injector: crashes and restarts, pauses, link cuts, impostors (connections that claim
// a member's id without the secret), coordinator crashes aimed at narrow windows and disk stalls,
// each a Poisson process at the rates of the run's fault plan, aimed at random processes and links.
// It acts only between start() and stop(); what it broke is mended by its own timers or, at the end,
// by the cluster's heal (retire(): its pending timers then do nothing, so that a restart meant for a
// crash of the work cannot bring back a node a later phase took down on purpose).

import type { AimedWindow } from "./cluster.js";
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
  /** Crashes the coordinator in the first `window` that opens by `untilUs`. */
  aimCoordinatorCrash(window: AimedWindow, untilUs: number): void;
  /** Holds back every sync of `name`'s disk until `untilUs`. */
  stallDisk(name: string, untilUs: number): void;
}

/** How long an aimed crash waits for its window before it is given up. */
const AIM_WAIT_US = 1_000_000;

export class Nemesis {
  #active = false;
  #retired = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly plan: FaultPlan,
    private readonly targets: NemesisTargets,
    /** Aimed crashes and disk stalls draw from their own stream, so a plan without them runs as it did before they existed. */
    private readonly aimedPrng: Prng = prng,
  ) {}

  start(): void {
    this.#active = true;
    this.#every(this.plan.crashesPerSecond, () => this.#crash());
    this.#every(this.plan.pausesPerSecond, () => this.#pause());
    this.#every(this.plan.partitionsPerSecond, () => this.#cut());
    this.#every(this.plan.impostorsPerSecond, () => this.targets.impostor(this.prng.pick(this.targets.nodes)));
    this.#every(this.plan.aimedCrashesPerSecond, () => this.#aimedCrash(), this.aimedPrng);
    this.#every(this.plan.stallsPerSecond, () => this.#stall(), this.aimedPrng);
  }

  /** Stops, and its timers still pending (restarts, resumes, heals) do nothing: the caller mends everything itself. */
  retire(): void {
    this.stop();
    this.#retired = true;
  }

  stop(): void {
    this.#active = false;
  }

  /** Mends what it broke after `delayUs`, unless retired by then. */
  #later(delayUs: number, mend: () => void): void {
    this.scheduler.after(delayUs, () => {
      if (!this.#retired) mend();
    });
  }

  /** Runs `act` at exponentially spread times averaging `perSecond`, while active. */
  #every(perSecond: number, act: () => void, prng = this.prng): void {
    if (perSecond <= 0) return;
    const next = (): void => {
      this.scheduler.after(prng.exponential(1_000_000 / perSecond), () => {
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
    this.#later(restartAfterUs, () => {
      if (!targets.isAlive(victim)) targets.restart(victim);
    });
  }

  /**
   * Mostly a decision's sync (the window the brief of issue 9 names), else an inSync record's, or a
   * read-modify-write between its read and its commit; or just after an inquiry.
   */
  #aimedCrash(): void {
    const { targets, plan, aimedPrng: prng, scheduler } = this;
    // With membership changes on, some crashes wait for a members record: a change starting, switching or cleaning up.
    const window: AimedWindow = plan.membershipChanges > 0 && prng.chance(0.3) ? "members"
      : prng.chance(plan.aimedInquiryShare) ? "inquiry"
      : prng.chance(1 / 2) ? "decision" : prng.chance(1 / 2) ? "readForUpdate" : "inSync";
    const restartAfterUs = 1_000 + prng.exponential(plan.restartMeanMs * 1000);
    if (!targets.isAlive(targets.coordinator)) return;
    targets.aimCoordinatorCrash(window, scheduler.nowUs + AIM_WAIT_US);
    this.#later(AIM_WAIT_US + restartAfterUs, () => {
      if (!targets.isAlive(targets.coordinator)) targets.restart(targets.coordinator);
    });
  }

  #stall(): void {
    const { targets, plan, aimedPrng: prng, scheduler } = this;
    const victim = prng.chance(0.3) ? targets.coordinator : prng.pick(targets.nodes);
    targets.stallDisk(victim, scheduler.nowUs + prng.exponential(plan.stallMeanMs * 1000));
  }

  #pause(): void {
    const { targets, prng } = this;
    const victim = prng.chance(0.3) ? targets.coordinator : prng.pick(targets.nodes);
    if (!targets.isAlive(victim) || targets.isPaused(victim)) return;
    targets.pause(victim);
    this.#later(prng.exponential(this.plan.pauseMeanMs * 1000), () => targets.resume(victim));
  }

  #cut(): void {
    const { targets, plan, prng } = this;
    const node = prng.pick(targets.nodes);
    const cut: LinkCut = prng.chance(plan.partitionOneWayShare) ? prng.pick(["toNode", "toCoordinator"] as const) : "both";
    targets.cut(node, cut);
    this.#later(prng.exponential(plan.partitionMeanMs * 1000), () => targets.heal(node));
  }
}
