// The bytes all client connections hold together (requests being read or waiting to run, replies
// not yet taken by the kernel), kept as a running total that each connection updates whenever
// its own share changes. Past clientBuffersBytesMax the largest holders are disconnected until
// the total is back under the bound, as Redis does with maxmemory-clients: a few greedy or slow
// clients cannot make the process hold memory without bound, and the others are left alone.

/** What the tracker needs of a connection. */
export interface MemoryHolder {
  /** Bytes this connection holds, as last reported. */
  readonly reportedBytes: number;
  /** Drops the connection at once; from then on it reports 0 bytes and no more changes. */
  evict(reason: string): void;
}

export class ClientMemory {
  private totalBytes = 0;
  private evicted = 0;

  constructor(
    readonly bytesMax: number,
    private readonly holders: () => Iterable<MemoryHolder>,
  ) {}

  get heldBytes(): number {
    return this.totalBytes;
  }

  /** Connections disconnected so far for holding the most past the bound (INFO's evicted_clients). */
  get evictedClients(): number {
    return this.evicted;
  }

  /** A holder's share went from `beforeBytes` to `afterBytes`. */
  changed(beforeBytes: number, afterBytes: number): void {
    this.totalBytes += afterBytes - beforeBytes;
    if (this.totalBytes > this.bytesMax) this.evictLargest();
  }

  private evictLargest(): void {
    const byShare = [...this.holders()].sort((a, b) => b.reportedBytes - a.reportedBytes);
    const totalBytes = this.totalBytes;
    for (const holder of byShare) {
      if (this.totalBytes <= this.bytesMax || holder.reportedBytes === 0) return;
      const heldBytes = holder.reportedBytes;
      this.totalBytes -= heldBytes;
      this.evicted++;
      holder.evict(`client buffers held ${totalBytes} bytes in all, over the limit of ${this.bytesMax}; `
        + `this connection held ${heldBytes}, the most`);
    }
  }
}
