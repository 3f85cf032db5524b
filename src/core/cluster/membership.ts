// Who the storage nodes are, which are up, which connection speaks for each, and the ring built
// from them. Admission: a connection's hello is checked (fields, then the port's verdict on its
// proof of the secret); a new node joins by a durable `members` record (it counts only once that
// record is persisted); the first write seals the membership, after which a new id is refused,
// because moving data (rebalancing) is not built. A known id is welcome back on the data directory
// it joined with (the same incarnation); on another one it is refused once sealed, because that
// directory lacks the node's data. Only a member's current connection speaks for it: a refused
// connection never replaces it, and an accepted one replaces (and closes) the one before.

import { Ring } from "../ring.js";
import type { CoordinatorConfig } from "./config.js";
import type { CoordinatorOutbox } from "./outbox.js";
import { checkHello } from "./hello-check.js";
import type {
  ConnectionId, CoordinatorRecord, CoordinatorToNode, MemberInfo, MemberView, NodeId, Placement,
} from "./types.js";

/** up: heard from lately. silent: connected, but quiet for nodeDownTicks. closed: no connection. */
type Link = "up" | "silent" | "closed";

interface Member {
  info: MemberInfo;
  /** Its members record is durable: it is in the ring. */
  joined: boolean;
  link: Link;
  /** The connection that speaks for it (null: none open). */
  connection: ConnectionId | null;
  lastHeardTick: number;
  /** When it last stopped being up (silent or closed); null while up. */
  downSinceTick: number | null;
}

export type Admission = { nodeId: NodeId; outcome: "member" | "joining" } | { nodeId: NodeId | null; outcome: "refused" };

export class Membership {
  readonly placement: Placement;
  #ring: Ring;
  readonly #members = new Map<NodeId, Member>();
  /** The current connection of each member that has one. */
  readonly #byConnection = new Map<ConnectionId, NodeId>();
  #sealed: boolean;
  #sealDurable: boolean;
  #joinsPending = 0;
  #nextPingTick = 0;

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly outbox: CoordinatorOutbox,
    recovered: { members: MemberInfo[]; sealed: boolean; placement?: Placement },
  ) {
    this.placement = choosePlacement(config, recovered, outbox);
    for (const info of recovered.members) this.#members.set(info.id, { info, joined: true, link: "closed", connection: null, lastHeardTick: 0, downSinceTick: 0 });
    this.#sealed = recovered.sealed;
    this.#sealDurable = recovered.sealed;
    this.#ring = new Ring(this.placement, recovered.members.map((member) => member.id));
  }

  get ring(): Ring {
    return this.#ring;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  /** Joined nodes; nothing is served until there are minNodes of them. */
  get joinedCount(): number {
    return this.#ring.nodes().length;
  }

  get ready(): boolean {
    return this.joinedCount >= this.config.minNodes;
  }

  /** A node's members record is on its way to disk: the ring is about to change. */
  get joinPending(): boolean {
    return this.#joinsPending > 0;
  }

  isUp(nodeId: NodeId): boolean {
    return this.#members.get(nodeId)?.link === "up";
  }

  /** Joined members down for at least `ticks` (silent or without a connection), as of `now`. */
  downFor(ticks: number, now: number): NodeId[] {
    const down: NodeId[] = [];
    for (const [nodeId, member] of this.#members) {
      if (member.joined && member.downSinceTick !== null && now - member.downSinceTick >= ticks) down.push(nodeId);
    }
    return down;
  }

  /** The address a member registered with, if it is a member. */
  address(nodeId: NodeId): string | undefined {
    return this.#members.get(nodeId)?.info.address;
  }

  /** "node-2 (127.0.0.1:7002)", for messages. */
  describe(nodeId: NodeId): string {
    const address = this.address(nodeId);
    return address === undefined ? nodeId : `${nodeId} (${address})`;
  }

  /**
   * A connection's hello. Returns "member" when it is a known member, now up on this connection;
   * "joining" while its members record is persisted; "refused" (with a refuse effect) otherwise.
   */
  hello(connection: ConnectionId, raw: unknown, proofValid: boolean, now: number): Admission {
    const checked = checkHello(raw);
    if ("problem" in checked) return this.#refuse(connection, null, `malformed hello: ${checked.problem}`);
    const { hello } = checked;
    const info: MemberInfo = { id: hello.nodeId, address: hello.address, incarnation: hello.incarnation };
    if (!proofValid) return this.#refuse(connection, info, "wrong cluster secret");
    const known = this.#members.get(info.id);
    if (known === undefined) return this.#newNode(connection, info, now);
    if (info.incarnation !== known.info.incarnation) return this.#otherIncarnation(connection, known, info, now);
    return this.#welcomeBack(connection, known, info, now);
  }

  /** The node whose current connection this is, if any. */
  nodeOf(connection: ConnectionId): NodeId | undefined {
    return this.#byConnection.get(connection);
  }

  /** A connection closed. Returns the member it spoke for and whether that member was up, or null. */
  connectionClosed(connection: ConnectionId, now: number): { nodeId: NodeId; wasUp: boolean } | null {
    const nodeId = this.#byConnection.get(connection);
    if (nodeId === undefined) return null;
    this.#byConnection.delete(connection);
    const member = this.#members.get(nodeId)!;
    const wasUp = member.link === "up";
    if (wasUp) member.downSinceTick = now;
    member.link = "closed";
    member.connection = null;
    if (wasUp) this.outbox.log("warn", "storage node down: connection closed", { nodeId });
    return { nodeId, wasUp };
  }

  /** Sends to a member's current connection; dropped when it has none (every message is retried or re-sent). */
  send(to: NodeId, message: CoordinatorToNode): void {
    const connection = this.#members.get(to)?.connection ?? null;
    if (connection !== null) this.outbox.push({ kind: "send", to, connection, message });
  }

  /** A message came from `nodeId`. Returns true when that brought a silent node back up. */
  heard(nodeId: NodeId, now: number): boolean {
    const member = this.#members.get(nodeId);
    if (member === undefined || member.link === "closed") return false;
    member.lastHeardTick = now;
    if (member.link === "up") return false;
    member.link = "up";
    member.downSinceTick = null;
    this.outbox.log("info", "storage node up again: heard from it", { nodeId });
    return member.joined;
  }

  /** Pings due nodes; returns the nodes that have just gone down because they fell silent. */
  tick(now: number): NodeId[] {
    const silenced: NodeId[] = [];
    for (const [nodeId, member] of this.#members) {
      if (member.link === "up" && now - member.lastHeardTick >= this.config.nodeDownTicks) {
        member.link = "silent";
        member.downSinceTick = now;
        silenced.push(nodeId);
        this.outbox.log("warn", "storage node down: silent", { nodeId, silentTicks: now - member.lastHeardTick });
      }
    }
    if (now >= this.#nextPingTick) {
      this.#nextPingTick = now + this.config.heartbeatTicks;
      for (const [nodeId, member] of this.#members) {
        if (member.link !== "closed") this.send(nodeId, { type: "ping", tick: now });
      }
    }
    return silenced;
  }

  /** The first write seals the membership (in memory now; on disk with its decision). */
  seal(): void {
    this.#sealed = true;
  }

  /** Records to persist with a decision: the sealed membership until that is durable. */
  sealRecords(): CoordinatorRecord[] {
    if (!this.#sealed || this.#sealDurable) return [];
    return [this.#membersRecord([...this.#members.values()].filter((member) => member.joined))];
  }

  sealPersisted(): void {
    this.#sealDurable = true;
  }

  members(): Array<Omit<MemberView, "inSyncPartitions" | "learningPartitions">> {
    const loads = this.#ring.loadByNode();
    return [...this.#members.values()].map((member) => ({
      ...member.info,
      up: member.link === "up",
      joined: member.joined,
      primaryPartitions: loads.get(member.info.id)?.primaryPartitions ?? 0,
      replicaPartitions: loads.get(member.info.id)?.replicaPartitions ?? 0,
    }));
  }

  #newNode(connection: ConnectionId, info: MemberInfo, now: number): Admission {
    const refusal = this.#refusal(info.id);
    if (refusal !== null) return this.#refuse(connection, info, refusal);
    const member: Member = { info, joined: false, link: "closed", connection: null, lastHeardTick: now, downSinceTick: now };
    this.#members.set(info.id, member);
    this.#markUp(connection, member, info, now);
    this.#persistJoin(info.id, "storage node joined");
    return { nodeId: info.id, outcome: "joining" };
  }

  #welcomeBack(connection: ConnectionId, known: Member, info: MemberInfo, now: number): Admission {
    this.#markUp(connection, known, info, now);
    this.outbox.log("info", "storage node up", { nodeId: info.id, address: info.address, joined: known.joined });
    return { nodeId: info.id, outcome: known.joined ? "member" : "joining" };
  }

  /**
   * A known id on another data directory. Once data is written (sealed) that directory lacks what
   * the cluster stored on the node, and taking it in would turn acknowledged writes into nil as
   * soon as another replica of them is lost. Before any write nothing can be lost: it re-joins,
   * and counts only once the members record with its new incarnation is durable.
   */
  #otherIncarnation(connection: ConnectionId, known: Member, info: MemberInfo, now: number): Admission {
    const listedBeforeIncarnations = known.info.incarnation === "";
    if (this.#sealed && !listedBeforeIncarnations) return this.#refuse(connection, info, otherDirectoryRefusal(known.info, info));
    const news = listedBeforeIncarnations
      ? "a member listed before incarnations existed takes the one it shows"
      : "storage node came back on another data directory; it re-joins";
    this.outbox.log("info", news, {
      nodeId: info.id, address: info.address, incarnation: info.incarnation, previousIncarnation: known.info.incarnation, sealed: this.#sealed,
    });
    this.#markUp(connection, known, info, now);
    // A record from before incarnations cannot tell: take the first one seen, as before, and keep
    // the node in the ring (a sealed membership must not lose a member while its seal is written).
    if (!listedBeforeIncarnations) known.joined = false;
    this.#persistJoin(info.id, listedBeforeIncarnations ? "a member's incarnation is recorded" : "storage node re-joined with its new data directory");
    return { nodeId: info.id, outcome: known.joined ? "member" : "joining" };
  }

  /** The node is taken in on `connection`: welcome it, and close the connection it replaces. */
  #markUp(connection: ConnectionId, member: Member, info: MemberInfo, now: number): void {
    const previous = member.connection;
    if (previous !== null && previous !== connection) {
      this.#byConnection.delete(previous);
      this.outbox.push({ kind: "closeConnection", connection: previous, reason: "replaced by a new connection of the same node" });
    }
    member.info = info;
    member.link = "up";
    member.downSinceTick = null;
    member.connection = connection;
    member.lastHeardTick = now;
    this.#byConnection.set(connection, info.id);
    this.outbox.push({ kind: "welcome", connection, nodeId: info.id });
  }

  /** Refuses the node on `connection` (its hello's fields, when they could be read). */
  #refuse(connection: ConnectionId, info: MemberInfo | null, reason: string): Admission {
    this.outbox.push({ kind: "refuse", connection, reason });
    const fields = info === null ? {} : { nodeId: info.id, address: info.address, incarnation: info.incarnation };
    this.outbox.log("warn", "refused a storage node", { ...fields, reason });
    return { nodeId: info?.id ?? null, outcome: "refused" };
  }

  #refusal(nodeId: NodeId): string | null {
    const ids = [...this.#members.keys()].join(", ");
    if (this.#sealed) {
      return `the cluster is sealed (its first write fixed the members: ${ids}); a new node id such as ${JSON.stringify(nodeId)} cannot join because rebalancing is not supported`;
    }
    if (this.#members.size >= this.config.membersMax) {
      return `the cluster is full: ${this.#members.size} storage nodes (limit membersMax ${this.config.membersMax})`;
    }
    return null;
  }

  /** Persists the membership with `nodeId` in it; it joins the ring once that is durable. */
  #persistJoin(nodeId: NodeId, joinedMessage: string): void {
    const listed = [...this.#members.values()].map((member) => ({ member, incarnation: member.info.incarnation }));
    this.#joinsPending += 1;
    this.outbox.persist([this.#membersRecord(listed.map(({ member }) => member))], () => {
      this.#joinsPending -= 1;
      // A member that came back on yet another directory meanwhile waits for its own record.
      for (const { member, incarnation } of listed) if (member.info.incarnation === incarnation) member.joined = true;
      // From every joined member, not just this record's: joins persisted out of order add up.
      const joined = [...this.#members.values()].filter((member) => member.joined);
      this.#ring = new Ring(this.placement, joined.map((member) => member.info.id));
      this.outbox.log("info", joinedMessage, { nodeId, members: this.joinedCount });
    });
  }

  #membersRecord(listed: Member[]): CoordinatorRecord {
    return { type: "members", members: listed.map((member) => member.info), sealed: this.#sealed, placement: this.placement };
  }
}

/** A sealed cluster keeps the placement its data was written with, whatever the config says now. */
function choosePlacement(
  config: CoordinatorConfig,
  recovered: { sealed: boolean; placement?: Placement },
  outbox: CoordinatorOutbox,
): Placement {
  const configured = { partitions: config.partitions, vnodesPerNode: config.vnodesPerNode, replicas: config.replicas };
  const saved = recovered.placement;
  if (saved === undefined || !recovered.sealed) return configured;
  const same = saved.partitions === configured.partitions && saved.vnodesPerNode === configured.vnodesPerNode
    && saved.replicas === configured.replicas;
  if (!same) {
    outbox.log("warn", "the configured placement differs from the one this cluster's data was written with; keeping the saved one", {
      saved, configured,
    });
  }
  return saved;
}

/** Why a known id on another data directory is refused, and what the operator can do. */
function otherDirectoryRefusal(joined: MemberInfo, now: MemberInfo): string {
  const id = JSON.stringify(now.id);
  return `storage node ${id} (at ${now.address}) is not on the data directory it joined with `
    + `(its incarnation is ${now.incarnation}, the cluster knows ${joined.incarnation}): that directory is new, wiped or replaced `
    + `and holds none of the data this cluster stored on ${id}. Data has been written (the membership is sealed), `
    + `so accepting it would lose acknowledged writes. Start ${id} again on its original data directory.`;
}
