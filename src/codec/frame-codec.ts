// Frames of the internal protocol between coordinator and storage nodes: a 4-byte big-endian
// length, then a msgpack body. Pure: a push decoder like the RESP one, no sockets.

import { Packr } from "msgpackr";

// Records and messages carry Uint8Array bytes; msgpackr packs them as bin and unpacks them as
// Buffers. useRecords off: frames stay plain msgpack, readable by any msgpack tool.
const packr = new Packr({ useRecords: false, moreTypes: false });

const HEADER_BYTES = 4;

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

/** Splits a byte stream into messages; a frame over `frameBytesMax` is a fatal FrameError. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(
    private readonly frameBytesMax: number,
    private readonly onMessage: (message: unknown) => void,
  ) {}

  /** Feeds bytes; calls onMessage for every whole frame. Throws FrameError on a bad frame. */
  write(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let offset = 0;
    while (this.buffered.length - offset >= HEADER_BYTES) {
      const bodyBytes = this.buffered.readUInt32BE(offset);
      if (bodyBytes > this.frameBytesMax) {
        throw new FrameError(`frame of ${bodyBytes} bytes exceeds the limit of ${this.frameBytesMax} bytes`);
      }
      if (this.buffered.length - offset - HEADER_BYTES < bodyBytes) break;
      const body = this.buffered.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + bodyBytes);
      offset += HEADER_BYTES + bodyBytes;
      let message: unknown;
      try {
        message = packr.unpack(body);
      } catch (error) {
        throw new FrameError(`frame body is not valid msgpack: ${(error as Error).message}`);
      }
      this.onMessage(message);
    }
    this.buffered = this.buffered.subarray(offset);
  }
}
