// What a RESP server observes of every command it runs: per-command counts and latency
// (metrics, INFO commandstats), the slow log, the latency monitor and the MONITOR feed. The
// server calls commandStarted() before a command's handler and commandEnded() with its reply
// (a value or a promise of one); nothing here allocates per command unless a command is slow, a
// MONITOR client is listening, or the reply is a promise (one more handler on it).

import { OBSERVABILITY_LIMITS } from "../shared/limits.js";
import { RingkvError } from "../shared/errors.js";
import type { ReplyValue } from "../server/backend.js";
import { errorReply } from "../server/reply.js";
import { CommandStats, type CommandIdentity } from "./command-stats.js";
import { LATENCY_DEFAULTS, LatencyMonitor } from "./latency-monitor.js";
import { MonitorFeed, type MonitorClient } from "./monitor-feed.js";
import { SLOWLOG_DEFAULTS, SlowLog } from "./slowlog.js";

/** The connection a command came on. */
export interface CommandClient extends MonitorClient {
  readonly remoteAddress: string;
  readonly name: string;
}

type Outcome = ReplyValue | RingkvError;

export interface DiagnosticsSettings {
  /** Redis's slowlog-log-slower-than, in µs: negative logs nothing, 0 every command. */
  slowlogLogSlowerThanUs: number;
  /** Redis's slowlog-max-len. */
  slowlogMaxLen: number;
  /** Redis's latency-monitor-threshold, in ms: 0 turns the latency monitor off. */
  latencyMonitorThresholdMs: number;
}

export const DIAGNOSTICS_DEFAULTS: Readonly<DiagnosticsSettings> = Object.freeze({
  slowlogLogSlowerThanUs: SLOWLOG_DEFAULTS.logSlowerThanUs,
  slowlogMaxLen: SLOWLOG_DEFAULTS.maxLen,
  latencyMonitorThresholdMs: LATENCY_DEFAULTS.thresholdMs,
});

/** A setting CONFIG GET shows and CONFIG SET changes, under Redis's name. */
export interface DiagnosticSetting {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  get(diagnostics: Diagnostics): number;
  set(diagnostics: Diagnostics, value: number): void;
}

export const DIAGNOSTIC_SETTINGS: readonly DiagnosticSetting[] = [
  {
    name: "slowlog-log-slower-than", min: -1, max: Number.MAX_SAFE_INTEGER,
    get: (d) => d.slowlog.settings.logSlowerThanUs,
    set: (d, value) => (d.slowlog.settings.logSlowerThanUs = value),
  },
  {
    name: "slowlog-max-len", min: 0, max: OBSERVABILITY_LIMITS.slowlogLenMax,
    get: (d) => d.slowlog.settings.maxLen,
    set: (d, value) => {
      d.slowlog.settings.maxLen = value;
      d.slowlog.trim();
    },
  },
  {
    name: "latency-monitor-threshold", min: 0, max: Number.MAX_SAFE_INTEGER,
    get: (d) => d.latency.settings.thresholdMs,
    set: (d, value) => (d.latency.settings.thresholdMs = value),
  },
];

export class Diagnostics {
  readonly commands = new CommandStats();
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly monitors: MonitorFeed;
  /** Told of every error reply (the dashboard's recent problems). */
  onErrorReply: ((command: string, error: RingkvError) => void) | undefined;

  constructor(settings: Partial<DiagnosticsSettings> = {}, monitorOutputBytesMax = 16 * 1024 * 1024) {
    const chosen = { ...DIAGNOSTICS_DEFAULTS, ...settings };
    this.slowlog = new SlowLog({ logSlowerThanUs: chosen.slowlogLogSlowerThanUs, maxLen: chosen.slowlogMaxLen });
    this.latency = new LatencyMonitor({ thresholdMs: chosen.latencyMonitorThresholdMs });
    this.monitors = new MonitorFeed(monitorOutputBytesMax);
  }

  /** Before the handler runs: feeds MONITOR; returns the start time to hand to commandEnded. */
  commandStarted(client: CommandClient, command: CommandIdentity, args: readonly Buffer[]): number {
    const startedMs = performance.now();
    if (this.monitors.size > 0 && !command.flags.includes("admin")) {
      this.monitors.feed(args, client.remoteAddress, performance.timeOrigin + startedMs);
    }
    return startedMs;
  }

  /** With the handler's reply, or the promise of it. */
  commandEnded(client: CommandClient, command: CommandIdentity, args: readonly Buffer[], startedMs: number, reply: Outcome | Promise<Outcome>): void {
    if (reply instanceof Promise) {
      reply.then(
        (settled) => this.#finished(client, command, args, startedMs, settled, true),
        (error: unknown) => this.#finished(client, command, args, startedMs, errorReply(error), true),
      );
    } else {
      this.#finished(client, command, args, startedMs, reply, false);
    }
  }

  #finished(client: CommandClient, command: CommandIdentity, args: readonly Buffer[], startedMs: number, reply: Outcome, waited: boolean): void {
    const elapsedMs = performance.now() - startedMs;
    const error = reply instanceof RingkvError ? reply : undefined;
    this.commands.record(command, elapsedMs / 1000, error?.code, waited);
    if (error !== undefined) this.onErrorReply?.(command.name, error);
    const durationUs = Math.round(elapsedMs * 1000);
    if (this.slowlog.wants(durationUs)) {
      const startedAtSeconds = Math.floor((performance.timeOrigin + startedMs) / 1000);
      this.slowlog.add(startedAtSeconds, durationUs, client.remoteAddress, client.name, args);
    }
    const threshold = this.latency.settings.thresholdMs;
    if (threshold > 0 && elapsedMs >= threshold) {
      this.latency.sample(command.flags.includes("fast") ? "fast-command" : "command", elapsedMs, Math.floor(Date.now() / 1000));
    }
  }
}
