// A storage node's side of the cluster link: dials the coordinator, makes it prove the cluster
// secret, proves it in turn, and redials with backoff whenever the link drops (either side may
// restart). A process at the join address that cannot prove the secret is never obeyed: its
// link is closed before the node sends its own proof or hands a message to its machine, and the
// node keeps trying (the real coordinator may come back there).
//
// The coordinator welcomes a node whose proof is right before its membership decides on it, in
// the same step; a refusal from the membership (a new id in a sealed cluster, a member on another
// data directory) is then the very next frame. So the node counts itself joined only at the first
// frame after the welcome that is not a refusal; the coordinator's pings come every heartbeat.

import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { coordinatorMessageProblem } from "../codec/link-messages.js";
import { encodeOpening } from "../codec/link-opening.js";
import { linkFrameBytesMax, type Limits } from "../shared/limits.js";
import { FramedLink, HANDSHAKE_FRAME_BYTES_MAX, HANDSHAKE_TIMEOUT_MS, type LinkChecks } from "./cluster-link.js";
import { challengeProves, newNonce, nodeProof } from "./handshake-proof.js";
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
  limits: Limits;
  /** Dial over TLS (clientTlsOptions): the coordinator's certificate is checked, ours presented. */
  tls?: TlsConnectionOptions;
  logger: Logger;
  onConnected(): void;
  onMessage(message: unknown): void;
  /** The coordinator (having proved the secret) refused us for good: the node should stop. */
  onRefused(reason: string): void;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

/** Where one connection's handshake stands, as the node sees it. */
type Stage = "challenge" | "welcome" | "refusal-or-first" | "joined";

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
    const { tls } = this.options;
    const socket: Socket = tls === undefined ? connect({ host, port }) : tlsConnect({ ...tls, host, port });
    let stage: Stage = "challenge";
    // Small frames until the coordinator has proved the secret; its first message after the
    // welcome may be a large prepare.
    const checks: LinkChecks = {
      frameBytesMax: () => (stage === "challenge" ? HANDSHAKE_FRAME_BYTES_MAX : linkFrameBytesMax(this.options.limits)),
      // A refusal may also come after the handshake: the node was removed from the cluster.
      problem: (message) => (stage === "joined" && !isRefusal(message) ? coordinatorMessageProblem(message, this.options.limits) : undefined),
    };
    const link = new FramedLink(socket, checks);
    const nodeNonce = newNonce();
    const handshakeTimer = setTimeout(() => link.close("handshake timed out"), HANDSHAKE_TIMEOUT_MS);
    socket.once(tls === undefined ? "connect" : "secureConnect", () => socket.write(encodeOpening(nodeNonce)));
    link.onMessage = (raw) => {
      const message = raw as { type?: unknown; reason?: unknown };
      if (stage === "joined") return isRefusal(raw) ? this.refused(link, handshakeTimer, message.reason) : this.options.onMessage(raw);
      if (stage === "challenge") {
        if (message.type !== "challenge" || !challengeProves(this.options.secret, nodeNonce, raw as object)) {
          logger.error({ coordinator: `${host}:${port}` },
            "the process at the join address did not prove the cluster secret; not obeying it (wrong --secret, or not the coordinator)");
          return link.close("the coordinator did not prove the cluster secret");
        }
        stage = "welcome";
        return link.send(this.hello(nodeNonce, (raw as { nonce: Buffer }).nonce));
      }
      if (message.type === "refused") return this.refused(link, handshakeTimer, message.reason);
      if (stage === "welcome") {
        if (message.type !== "welcome") return link.close(`expected a welcome, got ${String(message.type)}`);
        stage = "refusal-or-first";
        return;
      }
      stage = "joined";
      clearTimeout(handshakeTimer);
      this.link = link;
      this.retryMs = RETRY_MIN_MS;
      logger.info({ coordinator: `${host}:${port}` }, "joined the cluster");
      this.options.onConnected();
      // The first message after the welcome is checked like every later one.
      const problem = coordinatorMessageProblem(raw, this.options.limits);
      if (problem === undefined) this.options.onMessage(raw);
      else link.close(`bad message from peer: ${problem}`);
    };
    link.onClose = (reason) => {
      clearTimeout(handshakeTimer);
      if (this.link === link) this.link = undefined;
      if (this.stopped) return;
      if (stage === "joined") logger.warn({ reason }, "lost the coordinator; reconnecting");
      else logger.debug({ reason, retryMs: this.retryMs }, "coordinator not reachable; retrying");
      this.retryTimer = setTimeout(() => this.dial(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
  }

  private hello(nodeNonce: Buffer, coordinatorNonce: Buffer): object {
    const { secret, nodeId, incarnation, address } = this.options;
    const claim = { nodeId, incarnation, address };
    return { type: "hello", ...claim, proof: nodeProof(secret, nodeNonce, coordinatorNonce, claim) };
  }

  private refused(link: FramedLink, handshakeTimer: NodeJS.Timeout, reason: unknown): void {
    clearTimeout(handshakeTimer);
    this.stopped = true;
    link.close("refused");
    this.options.onRefused(typeof reason === "string" ? reason.slice(0, 4096) : "no reason given");
  }
}

function isRefusal(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "refused";
}
