// The last warnings and errors of a process, for the dashboard: what its log said at warn level
// or above, and the error replies clients got. The same message again is counted, not repeated,
// so a flood of one error does not push the others out.

import { OBSERVABILITY_LIMITS } from "../shared/limits.js";

export interface Problem {
  /** "warn", "error", "fatal", or "reply" for an error reply to a client. */
  level: string;
  message: string;
  count: number;
  firstAtMs: number;
  lastAtMs: number;
}

export class RecentProblems {
  /** Oldest first. */
  readonly #problems: Problem[] = [];
  #version = 0;

  constructor(private readonly max: number = OBSERVABILITY_LIMITS.recentProblemsMax) {}

  add(level: string, message: string, nowMs = Date.now()): void {
    this.#version++;
    const index = this.#problems.findIndex((problem) => problem.level === level && problem.message === message);
    if (index >= 0) {
      const [same] = this.#problems.splice(index, 1);
      same!.count++;
      same!.lastAtMs = nowMs;
      this.#problems.push(same!);
      return;
    }
    this.#problems.push({ level, message, count: 1, firstAtMs: nowMs, lastAtMs: nowMs });
    if (this.#problems.length > this.max) this.#problems.shift();
  }

  /** Newest first. */
  list(): Problem[] {
    return this.#problems.map((problem) => ({ ...problem })).reverse();
  }

  /** Changes whenever a problem is added: the dashboard sends the list again only then. */
  get version(): number {
    return this.#version;
  }
}
