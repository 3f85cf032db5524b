// Runs a deterministic machine in a real process: feeds it events one at a time, carries its
// effects out, and turns wall-clock time into tick events. Persist effects are written through
// `persist` and come back as a `persisted` event once durable — never earlier.

import type { Logger } from "./logger.js";

export interface Machine<Event, Effect> {
  step(event: Event): Effect[];
}

export interface LogEffect {
  kind: "log";
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

export class MachineDriver<Event extends { kind: string }, Effect extends { kind: string }> {
  private tickTimer: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(
    private readonly machine: Machine<Event, Effect>,
    private readonly carry: (effect: Effect) => void,
    private readonly logger: Logger,
  ) {}

  /** Feeds one event and carries out every effect it produced, in order. */
  feed(event: Event): void {
    for (const effect of this.machine.step(event)) {
      if (effect.kind === "log") this.log(effect as unknown as LogEffect);
      else this.carry(effect);
    }
  }

  /** Starts feeding `{ kind: "tick", tick }` every `tickMs`. */
  startTicks(tickMs: number): void {
    this.tickTimer = setInterval(() => this.feed({ kind: "tick", tick: ++this.tick } as unknown as Event), tickMs);
  }

  stopTicks(): void {
    clearInterval(this.tickTimer);
  }

  get currentTick(): number {
    return this.tick;
  }

  private log(effect: LogEffect): void {
    this.logger[effect.level](effect.fields ?? {}, effect.message);
  }
}
