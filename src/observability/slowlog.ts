// The slow log (SLOWLOG GET/LEN/RESET): commands that took at least `logSlowerThanUs`
// microseconds, newest first, at most `maxLen` of them — Redis's rules and reply layout. In
// ringkv a command's time runs from when it starts executing until its reply is ready, so a
// cluster write's time includes its prepares, fsyncs and decision (Redis measures only the
// command's own execution, which for Redis is everything).

import type { ReplyValue } from "../server/backend.js";
import { redactedArgs, shortenedArgs } from "./command-args.js";

export interface SlowLogEntry {
  readonly id: number;
  /** Unix time (seconds) when the command started. */
  readonly startedAtSeconds: number;
  readonly durationUs: number;
  readonly args: readonly Buffer[];
  readonly clientAddress: string;
  readonly clientName: string;
}

export interface SlowLogSettings {
  /** Redis's slowlog-log-slower-than: negative logs nothing, 0 logs every command. */
  logSlowerThanUs: number;
  /** Redis's slowlog-max-len. */
  maxLen: number;
}

export const SLOWLOG_DEFAULTS: Readonly<SlowLogSettings> = Object.freeze({ logSlowerThanUs: 10_000, maxLen: 128 });

export class SlowLog {
  /** Newest last; trimmed from the front. */
  readonly #entries: SlowLogEntry[] = [];
  #nextId = 0;

  constructor(readonly settings: SlowLogSettings = { ...SLOWLOG_DEFAULTS }) {}

  /** True when a command of this duration goes into the log. */
  wants(durationUs: number): boolean {
    return this.settings.logSlowerThanUs >= 0 && durationUs >= this.settings.logSlowerThanUs;
  }

  add(entry: Omit<SlowLogEntry, "id" | "args">, args: readonly Buffer[]): void {
    this.#entries.push({ ...entry, id: this.#nextId++, args: shortenedArgs(redactedArgs(args)) });
    this.trim();
  }

  /** Drops the oldest entries beyond maxLen (also after maxLen is lowered). */
  trim(): void {
    const excess = this.#entries.length - Math.max(0, this.settings.maxLen);
    if (excess > 0) this.#entries.splice(0, excess);
  }

  get length(): number {
    return this.#entries.length;
  }

  /** The newest `count` entries, newest first (all of them for -1). */
  newest(count: number): SlowLogEntry[] {
    const taken = count < 0 ? this.#entries.length : Math.min(count, this.#entries.length);
    return this.#entries.slice(this.#entries.length - taken).reverse();
  }

  reset(): void {
    this.#entries.length = 0;
  }
}

/** One entry as SLOWLOG GET answers it: id, time, µs, arguments, client address, client name. */
export function slowLogReply(entry: SlowLogEntry): ReplyValue {
  return [entry.id, entry.startedAtSeconds, entry.durationUs, [...entry.args], entry.clientAddress, entry.clientName];
}
