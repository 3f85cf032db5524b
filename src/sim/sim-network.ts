// The simulated network between the coordinator and each storage node. Each pair has one link,
// modelled like TCP connections: a link has incarnations (connections); a message travels within
// the incarnation it was sent on and is lost if that connection closes before it arrives, so it
// never reaches a restarted process. Inside one incarnation the network is harsher than TCP on
// purpose: messages may be dropped, duplicated and reordered.
//
// A connection closes when either process crashes, or when a cut link (partition, one-way or both)
// is noticed, which takes a while: a short cut may heal unnoticed, losing only what crossed it.
// When the coordinator still had the connection open, it is told it `closed`. When both processes
// are up and the link whole again, the node reconnects: the participant gets `connected`, then the
// coordinator the new connection's `hello`, and only then do messages of the new connection arrive.
// Every connection has a number unique in the run, which the coordinator addresses it by.

import type { ConnectionId, CoordinatorToNode, NodeId, NodeToCoordinator } from "../core/cluster/types.js";
import type { FaultPlan } from "./faults.js";
import type { Prng } from "./prng.js";
import type { Scheduler } from "./scheduler.js";

export const COORDINATOR = "coordinator";

export type LinkCut = "both" | "toNode" | "toCoordinator";

/** Where the network hands what it carries; the cluster routes these into the machines. */
export interface NetworkEndpoints {
  toNode(nodeId: NodeId, message: CoordinatorToNode): void;
  toCoordinator(connection: ConnectionId, message: NodeToCoordinator): void;
  connected(nodeId: NodeId): void;
  /** The node's hello on a new connection reaches the coordinator. */
  hello(nodeId: NodeId, connection: ConnectionId): void;
  /** The coordinator sees a connection it was told of close. */
  closed(nodeId: NodeId, connection: ConnectionId): void;
  /** A line for the trace: a loss, a cut, a connection opening or closing. */
  note(text: string): void;
}

export interface NetworkOptions {
  /** A node's pause between reconnect attempts (its runtime's backoff). */
  reconnectMinUs: number;
  reconnectMaxUs: number;
}

interface Link {
  nodeId: NodeId;
  /** The current (or last) connection's number; messages carry the one they were sent on. */
  incarnation: number;
  /** The current (or last) connection's id, unique in the run (0: none yet). */
  connection: ConnectionId;
  open: boolean;
  /** The participant was told `connected` on this connection: it may send. */
  nodeConnected: boolean;
  /** The coordinator got this connection's hello: it may send, and must hear the connection close. */
  coordinatorSawUp: boolean;
  /** When the hello arrives: the node's messages on this connection arrive after it. */
  nodeUpAtUs: number;
  cutToNode: boolean;
  cutToCoordinator: boolean;
  reconnectPending: boolean;
  /** The coordinator refused the node: it stays disconnected. */
  refused: boolean;
  /** A new connection may not open before the old one's close has reached the coordinator. */
  reopenNotBeforeUs: number;
}

export class SimNetwork {
  readonly #links = new Map<NodeId, Link>();
  readonly #linkByConnection = new Map<ConnectionId, Link>();
  #nextConnection = 1;
  readonly #alive = new Map<string, boolean>();
  /** Bumped at every coordinator start: a close meant for a dead coordinator is not delivered. */
  #coordinatorIncarnation = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly plan: FaultPlan,
    private readonly endpoints: NetworkEndpoints,
    private readonly options: NetworkOptions,
    nodeIds: readonly NodeId[],
  ) {
    this.#alive.set(COORDINATOR, false);
    for (const nodeId of nodeIds) {
      this.#alive.set(nodeId, false);
      this.#links.set(nodeId, {
        nodeId, incarnation: 0, connection: 0, open: false, nodeConnected: false, coordinatorSawUp: false, nodeUpAtUs: 0,
        cutToNode: false, cutToCoordinator: false, reconnectPending: false, refused: false, reopenNotBeforeUs: 0,
      });
    }
  }

  /** A process (COORDINATOR or a node id) is up and listening: its links may connect. */
  processStarted(endpoint: string): void {
    this.#alive.set(endpoint, true);
    if (endpoint === COORDINATOR) this.#coordinatorIncarnation += 1;
    for (const link of this.#linksOf(endpoint)) this.#tryConnect(link);
  }

  /** A process died: its connections close at once. */
  processCrashed(endpoint: string): void {
    this.#alive.set(endpoint, false);
    for (const link of this.#linksOf(endpoint)) this.#close(link, `${endpoint} crashed`);
  }

  /** Cuts the link to `nodeId` in one or both directions; the connection closes once that is noticed. */
  cut(nodeId: NodeId, cut: LinkCut): void {
    const link = this.#link(nodeId);
    link.cutToNode ||= cut !== "toCoordinator";
    link.cutToCoordinator ||= cut !== "toNode";
    const { incarnation } = link;
    const noticeUs = this.prng.exponential(this.plan.linkBreakDetectMeanMs * 1000);
    this.scheduler.after(noticeUs, () => {
      if (link.incarnation === incarnation && (link.cutToNode || link.cutToCoordinator)) this.#close(link, "cut noticed");
    });
  }

  heal(nodeId: NodeId): void {
    const link = this.#link(nodeId);
    link.cutToNode = false;
    link.cutToCoordinator = false;
    this.#tryConnect(link);
  }

  /** The coordinator closes the connection of a node it refuses; the node does not come back. */
  refuse(connection: ConnectionId): void {
    const link = this.#current(connection);
    if (link === undefined) return;
    link.refused = true;
    this.#close(link, "refused by the coordinator");
  }

  /** The coordinator closes a connection (one a newer connection replaced: a node reconnects). */
  closeConnection(connection: ConnectionId, why: string): void {
    const link = this.#current(connection);
    if (link !== undefined) this.#close(link, `closed by the coordinator: ${why}`);
  }

  /** The node whose current connection this is, if any. */
  nodeOf(connection: ConnectionId): NodeId | undefined {
    return this.#current(connection)?.nodeId;
  }

  isOpen(nodeId: NodeId): boolean {
    const link = this.#link(nodeId);
    return link.open && link.nodeConnected && link.coordinatorSawUp;
  }

  isCut(nodeId: NodeId): boolean {
    const link = this.#link(nodeId);
    return link.cutToNode || link.cutToCoordinator;
  }

  sendToNode(connection: ConnectionId, message: CoordinatorToNode): void {
    const link = this.#current(connection);
    if (link === undefined || !link.coordinatorSawUp) return; // no such connection: the runtime drops it
    this.#carry(link, "toNode", 0, () => this.endpoints.toNode(link.nodeId, message));
  }

  sendToCoordinator(nodeId: NodeId, message: NodeToCoordinator): void {
    const link = this.#link(nodeId);
    if (!link.open || !link.nodeConnected) return;
    const { connection } = link;
    this.#carry(link, "toCoordinator", link.nodeUpAtUs, () => this.endpoints.toCoordinator(connection, message));
  }

  /** A connection number no other connection of the run has (impostors' connections take one too). */
  newConnectionId(): ConnectionId {
    const connection = this.#nextConnection;
    this.#nextConnection += 1;
    return connection;
  }

  /** One-way latency of a message, also used for the client connections. */
  latencyUs(): number {
    return this.plan.latencyMinUs + this.prng.exponential(this.plan.latencyMeanUs);
  }

  #carry(link: Link, direction: LinkCut, notBeforeUs: number, deliver: () => void): void {
    if (this.prng.chance(this.plan.dropRate)) {
      this.endpoints.note(`net drop ${direction} ${link.nodeId}`);
      return;
    }
    const copies = this.prng.chance(this.plan.dupRate) ? 2 : 1;
    const { incarnation } = link;
    for (let copy = 0; copy < copies; copy += 1) {
      let delayUs = this.latencyUs();
      if (this.prng.chance(this.plan.reorderRate)) delayUs += this.prng.float() * this.plan.reorderDelayMaxUs;
      const atUs = Math.max(this.scheduler.nowUs + Math.ceil(delayUs), notBeforeUs + 1);
      this.scheduler.at(atUs, () => {
        const cut = direction === "toNode" ? link.cutToNode : link.cutToCoordinator;
        if (link.incarnation !== incarnation || !link.open) {
          this.endpoints.note(`net lost ${direction} ${link.nodeId}: connection ${incarnation} closed`);
        } else if (cut) {
          this.endpoints.note(`net lost ${direction} ${link.nodeId}: link cut`);
        } else {
          deliver();
        }
      });
    }
  }

  #close(link: Link, why: string): void {
    if (!link.open) return;
    link.open = false;
    link.nodeConnected = false;
    this.endpoints.note(`net close ${link.nodeId} connection ${link.incarnation}: ${why}`);
    const downAtUs = this.scheduler.nowUs + Math.ceil(this.latencyUs());
    link.reopenNotBeforeUs = downAtUs + 1;
    if (link.coordinatorSawUp && this.#alive.get(COORDINATOR) === true) {
      const coordinatorIncarnation = this.#coordinatorIncarnation;
      const { connection } = link;
      this.scheduler.at(downAtUs, () => {
        if (this.#coordinatorIncarnation === coordinatorIncarnation) this.endpoints.closed(link.nodeId, connection);
      });
    }
    link.coordinatorSawUp = false;
    this.#tryConnect(link);
  }

  #tryConnect(link: Link): void {
    if (link.open || link.refused || link.reconnectPending || !this.#canConnect(link)) return;
    link.reconnectPending = true;
    const delayUs = this.options.reconnectMinUs + this.prng.float() * (this.options.reconnectMaxUs - this.options.reconnectMinUs);
    const atUs = Math.max(this.scheduler.nowUs + Math.ceil(delayUs), link.reopenNotBeforeUs);
    this.scheduler.at(atUs, () => {
      link.reconnectPending = false;
      if (!link.open && !link.refused && this.#canConnect(link)) this.#open(link);
    });
  }

  #canConnect(link: Link): boolean {
    return this.#alive.get(COORDINATOR) === true && this.#alive.get(link.nodeId) === true && !link.cutToNode && !link.cutToCoordinator;
  }

  #open(link: Link): void {
    link.incarnation += 1;
    this.#linkByConnection.delete(link.connection);
    link.connection = this.newConnectionId();
    this.#linkByConnection.set(link.connection, link);
    link.open = true;
    link.nodeConnected = false;
    link.coordinatorSawUp = false;
    const { incarnation, connection } = link;
    const connectedAtUs = this.scheduler.nowUs + Math.ceil(this.latencyUs());
    link.nodeUpAtUs = connectedAtUs + Math.ceil(this.latencyUs());
    this.endpoints.note(`net open ${link.nodeId} connection ${incarnation}`);
    const current = (): boolean => link.incarnation === incarnation && link.open;
    this.scheduler.at(connectedAtUs, () => {
      if (!current()) return;
      link.nodeConnected = true;
      this.endpoints.connected(link.nodeId);
    });
    this.scheduler.at(link.nodeUpAtUs, () => {
      if (!current()) return;
      link.coordinatorSawUp = true;
      this.endpoints.hello(link.nodeId, connection);
    });
  }

  #link(nodeId: NodeId): Link {
    const link = this.#links.get(nodeId);
    if (link === undefined) throw new Error(`sim network: no link to node ${nodeId}`);
    return link;
  }

  /** The open link whose current connection this is. */
  #current(connection: ConnectionId): Link | undefined {
    const link = this.#linkByConnection.get(connection);
    return link !== undefined && link.connection === connection && link.open ? link : undefined;
  }

  #linksOf(endpoint: string): Link[] {
    return endpoint === COORDINATOR ? [...this.#links.values()] : [this.#link(endpoint)];
  }
}
