// Frames of the internal protocol between coordinator and storage nodes: a 4-byte big-endian
// length, then a msgpack body. Pure: a push decoder like the RESP one, no sockets.

import { Packr } from "msgpackr";

// Records and messages carry Uint8Array bytes; msgpackr packs them as bin and unpacks them as
// Buffers. useRecords off: frames stay plain msgpack, readable by any msgpack tool.
const packr = new Packr({ useRecords: false, moreTypes: false });

const HEADER_BYTES = 4;
const EMPTY = Buffer.alloc(0);

export class FrameError extends Error {
  override name = "FrameError";
}

export function encodeFrame(message: unknown): Buffer {
  const body = packr.pack(message);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

/**
 * Splits a byte stream into messages; a frame over `frameBytesMax` is a fatal FrameError, thrown
 * as soon as its header is read. Chunks are kept as they came until a frame is whole, then the
 * frame is copied out once (a frame inside one chunk is not copied at all): a large frame that
 * arrives in many chunks costs its own size, not a concatenation per chunk.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  /** Bytes in `chunks` (the first one starting at `offset`). */
  private bufferedBytes = 0;
  private offset = 0;
  /** Body length of the frame being collected, once its header is read; -1 before. */
  private bodyBytes = -1;

  /** `frameBytesMax`: a number, or a function asked at each frame's header (a link reads
   * small frames until its handshake is done). */
  constructor(
    private readonly frameBytesMax: number | (() => number),
    private readonly onMessage: (message: unknown) => void,
  ) {}

  /** Bytes held for a frame not yet complete. */
  get heldBytes(): number {
    return this.bufferedBytes;
  }

  /** Feeds bytes; calls onMessage for every whole frame. Throws FrameError on a bad frame. */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.bodyBytes < 0) {
        if (this.bufferedBytes < HEADER_BYTES) return;
        this.bodyBytes = this.take(HEADER_BYTES).readUInt32BE(0);
        const bytesMax = typeof this.frameBytesMax === "number" ? this.frameBytesMax : this.frameBytesMax();
        if (this.bodyBytes > bytesMax) {
          throw new FrameError(`frame of ${this.bodyBytes} bytes exceeds the limit of ${bytesMax} bytes`);
        }
      }
      if (this.bufferedBytes < this.bodyBytes) return;
      const body = this.take(this.bodyBytes);
      this.bodyBytes = -1;
      this.onMessage(unpackBody(body));
    }
  }

  /** The next `bytes` bytes, a view when they lie in the first chunk, else one copy. */
  private take(bytes: number): Buffer {
    if (bytes === 0) return EMPTY; // an empty body: all chunks may be consumed already
    const first = this.chunks[0] as Buffer;
    let taken: Buffer;
    if (first.length - this.offset >= bytes) {
      taken = first.subarray(this.offset, this.offset + bytes);
      this.offset += bytes;
    } else {
      taken = Buffer.allocUnsafe(bytes);
      let filled = 0;
      while (filled < bytes) {
        const chunk = this.chunks[0] as Buffer;
        const copied = chunk.copy(taken, filled, this.offset, Math.min(chunk.length, this.offset + bytes - filled));
        filled += copied;
        this.offset += copied;
        if (this.offset === chunk.length) this.dropFirst();
      }
    }
    if (this.chunks.length > 0 && this.offset === (this.chunks[0] as Buffer).length) this.dropFirst();
    this.bufferedBytes -= bytes;
    return taken;
  }

  private dropFirst(): void {
    this.chunks.shift();
    this.offset = 0;
  }
}

function unpackBody(body: Buffer): unknown {
  try {
    return packr.unpack(body);
  } catch (error) {
    throw new FrameError(`frame body is not valid msgpack: ${(error as Error).message}`);
  }
}
