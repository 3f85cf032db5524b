// The pause before the next try of a reconnect or a read retry: doubling from `baseMs`, capped
// at `maxMs`, so a flapping server is not hammered and a short blip costs little.

export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
