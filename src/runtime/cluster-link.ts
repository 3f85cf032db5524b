// The connection between a storage node and the coordinator: internal frames (frame-codec) over
// TCP, opened by the node. It arrives on the coordinator's client port and announces itself with
// its opening (link-opening.ts), which no RESP client sends. Both sides prove the cluster secret
// (handshake-proof.ts). Every message is checked for shape and size before it is handed on
// (link-messages.ts); until the handshake is done only small frames are read.

import { encodeFrame, FrameDecoder } from "../codec/frame-codec.js";
import { nodeMessageProblem } from "../codec/link-messages.js";
import { linkFrameBytesMax, type Limits } from "../shared/limits.js";
import type { Socket } from "node:net";

export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Largest frame read before a link's handshake is done: a challenge, a hello or a refusal. */
export const HANDSHAKE_FRAME_BYTES_MAX = 4096;

/**
 * Frames sent in one event-loop turn leave in one socket write; a batch that reaches this many
 * bytes is written at once, so one busy turn never holds more than this per link.
 */
export const SEND_BATCH_BYTES_MAX = 256 * 1024;

export type HandshakeMessage =
  | { type: "challenge"; nonce: Buffer; proof: Buffer }
  | { type: "hello"; nodeId: string; incarnation: string; address: string; proof: Buffer }
  | { type: "welcome" }
  | { type: "refused"; reason: string };

/** What a link accepts: how big a frame may be now, and whether a received message may be handed on. */
export interface LinkChecks {
  frameBytesMax(): number;
  /** Why `message` must not be handed on (the link is then closed); undefined when it may. */
  problem(message: unknown): string | undefined;
}

/** The coordinator's checks on a node's link: a small hello first (the machine judges it), then node messages. */
export function nodeLinkChecks(limits: Limits): LinkChecks {
  let helloSeen = false;
  return {
    frameBytesMax: () => (helloSeen ? linkFrameBytesMax(limits) : HANDSHAKE_FRAME_BYTES_MAX),
    problem: (message) => {
      if (helloSeen) return nodeMessageProblem(message, limits);
      helloSeen = true;
      return undefined;
    },
  };
}

/**
 * Messages over one socket, framed; every failure ends in exactly one onClose.
 *
 * Sends are batched: every frame sent during one event-loop turn is written with the others in
 * one socket write, at the end of the turn (setImmediate runs after the I/O callbacks of the
 * turn). On loopback a write is a system call that also runs the receiver's network stack;
 * profiled, one write per message took 30% of the coordinator's time under a write load.
 */
export class FramedLink {
  private closed = false;
  private readonly decoder: FrameDecoder;
  private unsent: Buffer[] = [];
  private unsentBytes = 0;
  private flushScheduled = false;
  onMessage: (message: unknown) => void = () => {};
  onClose: (reason: string) => void = () => {};

  constructor(
    readonly socket: Socket,
    checks: LinkChecks,
    private readonly sendBatchBytesMax = SEND_BATCH_BYTES_MAX,
  ) {
    this.decoder = new FrameDecoder(() => checks.frameBytesMax(), (message) => {
      if (this.closed) return; // the rest of a chunk that held a bad message
      const problem = checks.problem(message);
      if (problem === undefined) this.onMessage(message);
      else this.close(`bad message from peer: ${problem}`);
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      if (this.closed) return;
      try {
        this.decoder.write(chunk);
      } catch (error) {
        // A bad frame, or a bug in what handles a message: this link ends, the process does not.
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

  /** Queues a message; it leaves with the others of this turn (see the class comment). */
  send(message: unknown): void {
    if (this.closed) return;
    const frame = encodeFrame(message);
    this.unsent.push(frame);
    this.unsentBytes += frame.length;
    if (this.unsentBytes >= this.sendBatchBytesMax) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes the frames sent so far, if any (the scheduled flush then finds nothing). */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.unsent.length === 0 || this.socket.destroyed) return;
    const batch = this.unsent.length === 1 ? this.unsent[0]! : Buffer.concat(this.unsent, this.unsentBytes);
    this.unsent = [];
    this.unsentBytes = 0;
    this.socket.write(batch);
  }

  /** Closes after writing what was sent before (e.g. a `refused` message). */
  close(reason: string): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.unsent = [];
    this.socket.destroy();
    this.onClose(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

