// Group commit: records appended while a flush is in flight wait, and the next flush writes all
// of them and makes them durable with one sync. Each waiter's promise settles only after the
// flush that carried its record: resolved once it is durable, rejected with the flush's error.
// Waiters settle in the order their records were appended, so what runs after each (the store
// applying its batch) runs in log order.

interface Waiter {
  record: Buffer;
  resolve(): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  private waiting: Waiter[] = [];
  private running: Promise<void> | null = null;

  /** FLUSH writes a group of records and makes them durable, or throws. */
  constructor(private readonly flush: (records: Buffer[]) => Promise<void>) {}

  /** Resolves once RECORD is durable (with the others of its group). */
  append(record: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      // Started in a microtask, so that the records of one synchronous run join one group.
      this.running ??= Promise.resolve().then(() => this.run());
    });
  }

  /** Resolves once every record appended so far has been flushed (or failed). */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        await this.flush(group.map((waiter) => waiter.record));
        for (const waiter of group) waiter.resolve();
      } catch (error) {
        for (const waiter of group) waiter.reject(error);
      }
    }
    this.running = null;
  }
}
