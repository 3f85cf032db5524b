// Redis's latency monitor (LATENCY LATEST/HISTORY/RESET): events that took at least
// `thresholdMs` (0: off, as in Redis) are kept per event name, one sample per second (the
// second's highest), the last 160 seconds with samples (OBSERVABILITY_LIMITS), plus the highest ever. Event names:
// `command` and `fast-command` as in Redis, and ringkv's `persist` (a durable write: the
// store's commit and sync).

import { OBSERVABILITY_LIMITS } from "../shared/limits.js";
import type { ReplyValue } from "../server/backend.js";

export const LATENCY_DEFAULTS = Object.freeze({ thresholdMs: 0 });

interface Sample {
  timeSeconds: number;
  latencyMs: number;
}

interface EventHistory {
  /** Oldest first; at most LATENCY_HISTORY_LEN. */
  samples: Sample[];
  maxMs: number;
}

export class LatencyMonitor {
  readonly #events = new Map<string, EventHistory>();

  constructor(readonly settings: { thresholdMs: number } = { ...LATENCY_DEFAULTS }) {}

  /** Records `latencyMs` for `event` at unix time `nowSeconds` if it reaches the threshold. */
  sample(event: string, latencyMs: number, nowSeconds: number): void {
    const { thresholdMs } = this.settings;
    if (thresholdMs <= 0 || latencyMs < thresholdMs) return;
    const ms = Math.floor(latencyMs);
    let history = this.#events.get(event);
    if (history === undefined) {
      history = { samples: [], maxMs: 0 };
      this.#events.set(event, history);
    }
    history.maxMs = Math.max(history.maxMs, ms);
    const last = history.samples.at(-1);
    if (last?.timeSeconds === nowSeconds) {
      last.latencyMs = Math.max(last.latencyMs, ms);
      return;
    }
    history.samples.push({ timeSeconds: nowSeconds, latencyMs: ms });
    if (history.samples.length > OBSERVABILITY_LIMITS.latencyHistoryLen) history.samples.shift();
  }

  /** LATENCY LATEST: per event, [name, time of the latest sample, its latency, the highest]. */
  latest(): ReplyValue {
    return [...this.#events].map(([name, history]) => {
      const last = history.samples.at(-1)!;
      return [name, last.timeSeconds, last.latencyMs, history.maxMs];
    });
  }

  /** LATENCY HISTORY event: [time, latency] pairs, oldest first (none for an unknown event). */
  history(event: string): ReplyValue {
    return (this.#events.get(event)?.samples ?? []).map((sample) => [sample.timeSeconds, sample.latencyMs]);
  }

  /** LATENCY RESET [event ...]: forgets those events (all without names); answers how many it forgot. */
  reset(events: string[]): number {
    if (events.length === 0) {
      const count = this.#events.size;
      this.#events.clear();
      return count;
    }
    let count = 0;
    for (const event of new Set(events)) if (this.#events.delete(event)) count++;
    return count;
  }
}
