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
  /** Newest last. May hold up to maxLen more than maxLen entries: the oldest are dropped in
   * one splice when it reaches twice maxLen, not one by one on every add (a durable write that
   * waited for its sync under load is slow, so under load every write may come here). */
  readonly #entries: SlowLogEntry[] = [];
  #nextId = 0;

  constructor(readonly settings: SlowLogSettings = { ...SLOWLOG_DEFAULTS }) {}

  /** True when a command of this duration goes into the log. */
  wants(durationUs: number): boolean {
    return this.settings.logSlowerThanUs >= 0 && durationUs >= this.settings.logSlowerThanUs;
  }

  add(startedAtSeconds: number, durationUs: number, clientAddress: string, clientName: string, args: readonly Buffer[]): void {
    const id = this.#nextId++; // taken even when nothing is kept, as Redis takes it
    const maxLen = Math.max(0, this.settings.maxLen);
    if (maxLen === 0) return;
    this.#entries.push({ id, startedAtSeconds, durationUs, args: shortenedArgs(redactedArgs(args)), clientAddress, clientName });
    if (this.#entries.length >= 2 * maxLen) this.trim();
  }

  /** Drops the oldest entries beyond maxLen (also after maxLen is lowered). */
  trim(): void {
    const excess = this.#entries.length - Math.max(0, this.settings.maxLen);
    if (excess > 0) this.#entries.splice(0, excess);
  }

  get length(): number {
    return Math.min(this.#entries.length, Math.max(0, this.settings.maxLen));
  }

  /** The newest `count` entries, newest first (all of them for -1). */
  newest(count: number): SlowLogEntry[] {
    const taken = count < 0 ? this.length : Math.min(count, this.length);
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
