// A value that is costly to get (the cluster's key count: a round trip to every storage node),
// for callers that accept one a little old: calls made while a fetch is in flight share it, and a
// result is reused until maxAgeMs after its fetch began. A failed fetch is not kept, and neither
// is a result older than the one kept (a slow fetch that began before a quicker one).

export class RecentValue<T> {
  private inFlight: Promise<T> | undefined;
  private last: { value: T; startedAtMs: number } | undefined;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** A value whose fetch began at most maxAgeMs ago, or the fetch in flight, or a new fetch. */
  get(): Promise<T> {
    if (this.last !== undefined && this.nowMs() - this.last.startedAtMs <= this.maxAgeMs) return Promise.resolve(this.last.value);
    return this.inFlight ?? this.fetchNow();
  }

  /** A value fetched from now on (not a shared or kept one), which later get() calls reuse. */
  fresh(): Promise<T> {
    return this.fetchNow();
  }

  private fetchNow(): Promise<T> {
    const startedAtMs = this.nowMs();
    const fetching = this.fetch().then((value) => {
      if (this.last === undefined || startedAtMs >= this.last.startedAtMs) this.last = { value, startedAtMs };
      return value;
    }).finally(() => {
      if (this.inFlight === fetching) this.inFlight = undefined;
    });
    this.inFlight = fetching;
    return fetching;
  }
}
