// Reads the payload of a bulk string ("<n bytes>\r\n") once its length line is known. A payload
// inside one chunk is a view of the chunk (no copy); one that spans chunks is copied, once, into
// a buffer of exactly its size (allocated when the first piece arrives: the parser has checked
// the length against its limits before).

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

export const enum BulkStatus {
  /** The chunk ended first; call read() again with the next chunk. */
  NeedsMore,
  /** The payload and its "\r\n" are complete; `value` holds it. */
  Done,
  /** The two bytes after the payload were not "\r\n"; `badByte` is the first wrong one. */
  BadTerminator,
}

export class BulkReader {
  value: Buffer | null = null;
  badByte = 0;
  /** Payload bytes expected. */
  private length = 0;
  /** Bytes of payload plus terminator consumed so far. */
  private consumed = 0;
  private target: Buffer | null = null;
  /** Where the status of the last read() left the cursor. */
  end = 0;

  start(length: number): void {
    this.length = length;
    this.consumed = 0;
    this.target = null;
    this.value = null;
  }

  /** Bytes allocated for a payload that spans chunks, while it is being filled. */
  get heldBytes(): number {
    return this.target === null ? 0 : this.target.length;
  }

  /** Consumes what it can from chunk[pos...]; the new position is in `end`. */
  read(chunk: Buffer, pos: number): BulkStatus {
    const total = this.length + 2;
    if (this.consumed === 0 && chunk.length - pos >= total) {
      // The common case: the whole payload is in this chunk.
      this.end = pos + total;
      const first = chunk[pos + this.length];
      const second = chunk[pos + this.length + 1];
      if (first !== CR) return this.terminatorError(first);
      if (second !== LF) return this.terminatorError(second);
      // Buffer.from(arrayBuffer, ...) makes the same view as subarray(), measurably faster.
      this.value = Buffer.from(chunk.buffer, chunk.byteOffset + pos, this.length);
      return BulkStatus.Done;
    }
    const take = Math.min(chunk.length - pos, total - this.consumed);
    this.copyPayload(chunk, pos, take);
    for (let offset = Math.max(this.consumed, this.length); offset < this.consumed + take; offset++) {
      const byte = chunk[pos + offset - this.consumed] as number;
      if (byte !== (offset === this.length ? CR : LF)) return this.terminatorError(byte);
    }
    this.consumed += take;
    this.end = pos + take;
    if (this.consumed < total) return BulkStatus.NeedsMore;
    this.value = this.target ?? EMPTY;
    this.target = null;
    return BulkStatus.Done;
  }

  private copyPayload(chunk: Buffer, pos: number, take: number): void {
    const payloadBytes = Math.min(take, this.length - this.consumed);
    if (payloadBytes <= 0) return;
    this.target ??= Buffer.allocUnsafe(this.length);
    chunk.copy(this.target, this.consumed, pos, pos + payloadBytes);
  }

  private terminatorError(byte: number | undefined): BulkStatus {
    this.badByte = byte ?? 0;
    this.target = null;
    return BulkStatus.BadTerminator;
  }
}
