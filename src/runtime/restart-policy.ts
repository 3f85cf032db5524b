// When `ringkv start` restarts a process of its cluster that died, and when it stops trying. A
// process that dies is restarted after a pause that doubles with each quick death in a row (one
// within `healthyRunMs` of its start); after `quickDeathsMax` of those it is left down, since
// restarting it again would only repeat the crash. One that exits 78 is never restarted blindly:
// that is a storage node the coordinator refused (its data directory is not the one it joined
// with, or the cluster's membership is fixed), which no restart can fix. Pure: the launcher
// gives it each death and how long the process ran.

/** The exit status of a storage node the coordinator refused (sysexits' EX_CONFIG). */
export const REFUSED_EXIT_CODE = 78;

export interface Death {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long the process ran, from its spawn to its death. */
  ranMs: number;
}

export type RestartDecision =
  | { restart: true; delayMs: number; quickDeaths: number }
  | { restart: false; reason: string };

/** The launcher's are LAUNCHER_LIMITS (src/shared/limits.ts). */
export interface PolicyLimits {
  restartBackoffMs: number;
  restartBackoffMsMax: number;
  healthyRunMs: number;
  quickDeathsMax: number;
}

export class RestartPolicy {
  #quickDeaths = 0;

  constructor(private readonly limits: PolicyLimits) {}

  decide(death: Death): RestartDecision {
    if (death.code === REFUSED_EXIT_CODE) {
      return {
        restart: false,
        reason: `it exited ${REFUSED_EXIT_CODE}: the coordinator refused it, which a restart cannot fix ` +
          "(a wiped or replaced data directory, another cluster's secret, or a membership already fixed); " +
          "fix the cause, then start the cluster again",
      };
    }
    this.#quickDeaths = death.ranMs < this.limits.healthyRunMs ? this.#quickDeaths + 1 : 0;
    if (this.#quickDeaths >= this.limits.quickDeathsMax) {
      return {
        restart: false,
        reason: `it died ${this.#quickDeaths} times in a row, each within ${this.limits.healthyRunMs / 1000} s of starting; ` +
          "restarting it again would only repeat the crash",
      };
    }
    const delayMs = Math.min(this.limits.restartBackoffMsMax, this.limits.restartBackoffMs * 2 ** Math.max(0, this.#quickDeaths - 1));
    return { restart: true, delayMs, quickDeaths: this.#quickDeaths };
  }
}
