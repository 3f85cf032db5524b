// What every real process needs around its machine: wall-clock time as tick events (a tick every
// tickMs, numbered from 1; the machines count every timeout in ticks and never read a clock), and
// the machine's log effects written by the process's logger.

import type { LogEffect } from "../core/cluster/types.js";
import type { Logger } from "./logger.js";

export class Ticker {
  #timer: NodeJS.Timeout | undefined;
  #tick = 0;

  constructor(
    private readonly tickMs: number,
    private readonly onTick: (tick: number) => void,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.onTick(++this.#tick), this.tickMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get current(): number {
    return this.#tick;
  }
}

/** A machine's log effect, written by the process's logger. */
export function writeLog(logger: Logger, effect: LogEffect): void {
  logger[effect.level](effect.fields ?? {}, effect.message);
}
