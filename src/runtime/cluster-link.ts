// The connection between a storage node and the coordinator: internal frames (frame-codec) over
// TCP, opened by the node. It arrives on the coordinator's client port and announces itself with
// a first byte of 0x00, which no RESP client ever sends first.
//
// Handshake: the coordinator sends a random challenge; the node answers with its id, its address
// and HMAC-SHA256(secret, challenge || id); the coordinator checks it in constant time. The secret
// itself never crosses the wire, and a recorded answer is useless against the next challenge.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import { encodeFrame, FrameDecoder } from "../codec/frame-codec.js";

export const HANDSHAKE_TIMEOUT_MS = 5_000;

export type HandshakeMessage =
  | { type: "challenge"; nonce: Buffer }
  | { type: "hello"; nodeId: string; address: string; proof: Buffer }
  | { type: "welcome" }
  | { type: "refused"; reason: string };

export function handshakeProof(secret: string, nonce: Buffer, nodeId: string): Buffer {
  return createHmac("sha256", secret).update(nonce).update(nodeId).digest();
}

export function proofMatches(secret: string, nonce: Buffer, nodeId: string, proof: unknown): boolean {
  if (!Buffer.isBuffer(proof)) return false;
  const expected = handshakeProof(secret, nonce, nodeId);
  return proof.length === expected.length && timingSafeEqual(proof, expected);
}

/** Messages over one socket, framed; every failure ends in exactly one onClose. */
export class FramedLink {
  private closed = false;
  private readonly decoder: FrameDecoder;
  onMessage: (message: unknown) => void = () => {};
  onClose: (reason: string) => void = () => {};

  constructor(
    readonly socket: Socket,
    frameBytesMax: number,
  ) {
    this.decoder = new FrameDecoder(frameBytesMax, (message) => this.onMessage(message));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      if (this.closed) return;
      try {
        this.decoder.write(chunk);
      } catch (error) {
        this.close(`bad frame from peer: ${(error as Error).message}`);
      }
    });
    socket.on("error", (error) => this.close(error.message));
    socket.on("close", () => this.close("connection closed"));
  }

  /** Feeds bytes that were read before this link took over the socket. */
  feed(chunk: Buffer): void {
    if (chunk.length > 0) this.socket.emit("data", chunk);
  }

  send(message: unknown): void {
    if (!this.closed) this.socket.write(encodeFrame(message));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export function newChallenge(): Buffer {
  return randomBytes(32);
}
