// A storage node's side of the cluster link: dials the coordinator, proves it knows the cluster
// secret, and redials with backoff whenever the link drops (either side may restart).
//
// The coordinator welcomes a node whose proof is right before its membership decides on it, in
// the same step; a refusal from the membership (a new id in a sealed cluster, a member on another
// data directory) is then the very next frame. So the node counts itself joined only at the first
// frame after the welcome that is not a refusal; the coordinator's pings come every heartbeat.

import { connect } from "node:net";
import { INTERNAL_CONNECTION_BYTE } from "../server/server.js";
import { FramedLink, HANDSHAKE_TIMEOUT_MS, handshakeProof, type HandshakeMessage } from "./cluster-link.js";
import type { Logger } from "./logger.js";

export interface CoordinatorLinkOptions {
  host: string;
  port: number;
  secret: string;
  nodeId: string;
  /** The incarnation of this node's data directory (node-identity.ts). */
  incarnation: string;
  /** Where clients reach this node's own RESP port, reported to the coordinator. */
  address: string;
  frameBytesMax: number;
  logger: Logger;
  onConnected(): void;
  onMessage(message: unknown): void;
  /** The coordinator refused us for good (e.g. wrong secret): the node should stop. */
  onRefused(reason: string): void;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

export class CoordinatorLink {
  private link: FramedLink | undefined;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: CoordinatorLinkOptions) {}

  start(): void {
    this.dial();
  }

  /** Sends if the link is up; a message lost here is re-sent by the machine's own retries. */
  send(message: unknown): boolean {
    if (this.link === undefined || this.link.isClosed) return false;
    this.link.send(message);
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.link?.close("node stopping");
  }

  private dial(): void {
    const { host, port, logger } = this.options;
    const socket = connect({ host, port });
    const link = new FramedLink(socket, this.options.frameBytesMax);
    let welcomed = false;
    let joined = false;
    const handshakeTimer = setTimeout(() => link.close("handshake timed out"), HANDSHAKE_TIMEOUT_MS);
    socket.once("connect", () => socket.write(Buffer.from([INTERNAL_CONNECTION_BYTE])));
    link.onMessage = (raw) => {
      const message = raw as HandshakeMessage;
      if (joined) return this.options.onMessage(raw);
      if (welcomed && message.type !== "refused") {
        joined = true;
        clearTimeout(handshakeTimer);
        this.link = link;
        this.retryMs = RETRY_MIN_MS;
        logger.info({ coordinator: `${host}:${port}` }, "joined the cluster");
        this.options.onConnected();
        return this.options.onMessage(raw);
      }
      if (message.type === "challenge") {
        const { secret, nodeId, incarnation, address } = this.options;
        const proof = handshakeProof(secret, message.nonce, nodeId, incarnation);
        link.send({ type: "hello", nodeId, incarnation, address, proof });
      } else if (message.type === "welcome") {
        welcomed = true;
      } else if (message.type === "refused") {
        clearTimeout(handshakeTimer);
        this.stopped = true;
        link.close("refused");
        this.options.onRefused(message.reason);
      }
    };
    link.onClose = (reason) => {
      clearTimeout(handshakeTimer);
      if (this.link === link) this.link = undefined;
      if (this.stopped) return;
      if (joined) logger.warn({ reason }, "lost the coordinator; reconnecting");
      else logger.debug({ reason, retryMs: this.retryMs }, "coordinator not reachable; retrying");
      this.retryTimer = setTimeout(() => this.dial(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
  }
}
