// Keeps the processes of a local cluster running (`ringkv start`): a process that dies without
// the launcher asking is started again, on its port and data directory, after the pause its
// restart policy says (src/runtime/restart-policy.ts) — or left down, with the reason, when the
// policy gives up. Every death, restart and give-up is reported (the terminal) and noted in the
// process's own log. stop() ends all of it: no restart begins after it.

import { DEFAULTS } from "../shared/defaults.js";
import { LAUNCHER_LIMITS } from "../shared/limits.js";
import type { LaunchedChild, ProcessEnd } from "./launched-child.js";
import { RestartPolicy } from "./restart-policy.js";

export type Report = (level: "info" | "warn" | "error", message: string) => void;

export class Supervisor {
  #stopping = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #policies = new Map<string, RestartPolicy>();

  constructor(private readonly report: Report, private readonly limits = LAUNCHER_LIMITS) {}

  /** Watches a started child: when its process dies unasked, restarts it or gives up. */
  watch(child: LaunchedChild): void {
    void child.ended().then((end) => {
      if (!this.#stopping && !end.stopRequested) this.#died(child, end);
    });
  }

  /** No more restarts (pending ones are dropped); the launcher then stops the processes. */
  stop(): void {
    this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #died(child: LaunchedChild, end: ProcessEnd): void {
    let policy = this.#policies.get(child.name);
    if (policy === undefined) this.#policies.set(child.name, (policy = new RestartPolicy(this.limits)));
    const decision = policy.decide(end);
    const what = `${child.name} (pid ${end.pid}) died (${end.signal ?? `exit ${end.code}`}) after ${seconds(end.ranMs)}`;
    if (!decision.restart) {
      const message = `${what}; not restarting it: ${decision.reason}`;
      this.report("error", `${message}${child.lastWords()}`);
      child.note("error", message);
      return;
    }
    const message = `${what}; restarting it in ${seconds(decision.delayMs)}`;
    child.note("warn", message);
    this.report("warn", message);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#restart(child);
    }, decision.delayMs);
    this.#timers.add(timer);
  }

  async #restart(child: LaunchedChild): Promise<void> {
    if (this.#stopping) return;
    try {
      await child.start(child.port, this.limits.readyTimeoutMs);
    } catch {
      if (this.#stopping) return;
      // Not ready in time: it counts as a death like any other.
      if (child.running()) await child.stop(this.limits.stopGraceMs);
      this.#died(child, { ...(await child.ended()), stopRequested: false });
      return;
    }
    if (this.#stopping) return;
    const message = `${child.name} is back (pid ${child.pid}) on ${DEFAULTS.host}:${child.port}`;
    child.note("info", message);
    this.report("info", message);
    this.watch(child);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
