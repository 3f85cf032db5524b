// Per-command counters and latency of one RESP server: calls, failures by error code, and a
// latency histogram per command. Recording is a few array and field updates (no allocation
// after a command's first call); Prometheus, INFO commandstats/errorstats and the dashboard read
// the totals when they are asked.

import { LatencyHistogram } from "./latency-histogram.js";

/** What kind of work a command is, for the dashboard's read/write split. */
export type CommandKind = "read" | "write" | "other";

export interface CommandEntry {
  readonly name: string;
  readonly kind: CommandKind;
  calls: number;
  /** Calls answered with an error reply. */
  failed: number;
  /** Failed calls by error code (the reply's first word: ERR, TRYAGAIN, TIMEOUT...). */
  readonly errors: Record<string, number>;
  readonly latency: LatencyHistogram;
}

/** The part of a command's definition that stats need. */
export interface CommandIdentity {
  readonly name: string;
  readonly write: boolean;
  readonly flags: readonly string[];
}

export class CommandStats {
  readonly #entries = new Map<CommandIdentity, CommandEntry>();
  /**
   * Reads by how they were answered: at once (in the pass that read the request: at the
   * coordinator, from its cache or a decided write) or after waiting (for a storage node's reply).
   */
  readonly reads = { immediate: new LatencyHistogram(), waited: new LatencyHistogram() };

  record(command: CommandIdentity, seconds: number, errorCode: string | undefined, waited: boolean): void {
    let entry = this.#entries.get(command);
    if (entry === undefined) {
      entry = newEntry(command);
      this.#entries.set(command, entry);
    }
    entry.calls++;
    entry.latency.record(seconds);
    if (entry.kind === "read") (waited ? this.reads.waited : this.reads.immediate).record(seconds);
    if (errorCode !== undefined) {
      entry.failed++;
      entry.errors[errorCode] = (entry.errors[errorCode] ?? 0) + 1;
    }
  }

  entries(): IterableIterator<CommandEntry> {
    return this.#entries.values();
  }

  /** Failed calls by error code, over every command. */
  errorTotals(): Map<string, number> {
    const totals = new Map<string, number>();
    for (const entry of this.#entries.values()) {
      for (const [code, count] of Object.entries(entry.errors)) totals.set(code, (totals.get(code) ?? 0) + count);
    }
    return totals;
  }
}

function newEntry(command: CommandIdentity): CommandEntry {
  const kind: CommandKind = command.write ? "write" : command.flags.includes("readonly") ? "read" : "other";
  return { name: command.name, kind, calls: 0, failed: 0, errors: {}, latency: new LatencyHistogram() };
}

/** INFO's commandstats and errorstats sections, in Redis's format. */
export function commandStatsSections(stats: CommandStats): Record<string, Record<string, string>> {
  const commandstats: Record<string, string> = {};
  for (const entry of stats.entries()) {
    const usec = Math.round(entry.latency.sum * 1e6);
    commandstats[`cmdstat_${entry.name}`] = `calls=${entry.calls},usec=${usec},usec_per_call=${(usec / entry.calls).toFixed(2)},`
      // Calls refused before they ran (arity, AUTH) are not counted here: rejected_calls stays 0.
      + `rejected_calls=0,failed_calls=${entry.failed}`;
  }
  const errorstats: Record<string, string> = {};
  for (const [code, count] of stats.errorTotals()) errorstats[`errorstat_${code}`] = `count=${count}`;
  return { commandstats, errorstats };
}
