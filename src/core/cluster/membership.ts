// Who the storage nodes are, which are up, which connection speaks for each, and the ring built
// from them. Admission: a connection's hello is checked (fields, then the port's verdict on its
// proof of the secret); a new node joins by a durable `members` record (it counts only once that
// record is persisted). Before the first write seals the membership a new node enters the ring at
// once; after it, it joins as a standby member and the moves (moves.ts) bring it into the ring by
// a membership change (ring-layout.ts). A known id is welcome back on the data directory
// it joined with (the same incarnation); on another one it is refused once sealed, because that
// directory lacks the node's data. Only a member's current connection speaks for it: a refused
// connection never replaces it, and an accepted one replaces (and closes) the one before.

import type { CoordinatorConfig } from "./config.js";
import type { CoordinatorOutbox } from "./outbox.js";
import { checkHello } from "./hello-check.js";
import { RingLayout } from "./ring-layout.js";
import type {
  ConnectionId, CoordinatorRecord, CoordinatorToNode, LayoutRecord, MemberInfo, MemberView, NodeId, Placement,
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
  #ring: RingLayout;
  /** The durable layout (null: the ring is every joined member, nothing changes: before the seal). */
  #layout: LayoutRecord | null;
  /** A layout change on its way to disk: no other starts meanwhile. */
  #layoutPending = false;
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
    recovered: { members: MemberInfo[]; sealed: boolean; placement?: Placement; layout?: LayoutRecord },
  ) {
    this.placement = choosePlacement(config, recovered, outbox);
    for (const info of recovered.members) this.#members.set(info.id, { info, joined: true, link: "closed", connection: null, lastHeardTick: 0, downSinceTick: 0 });
    this.#sealed = recovered.sealed;
    this.#sealDurable = recovered.sealed;
    // A cluster sealed before layouts existed was placed on all of its members.
    this.#layout = recovered.layout ?? (recovered.sealed ? { ring: recovered.members.map((member) => member.id), target: null, cleanup: [] } : null);
    this.#ring = this.#buildRing();
  }

  /** Where partitions live: the ring, and during a membership change the union with the target ring. */
  get ring(): RingLayout {
    return this.#ring;
  }

  /** The layout as a record: the ring's members, the target of a change in progress, members to clean up. */
  layout(): LayoutRecord {
    return this.#layout ?? { ring: [...this.#ring.current.nodes()], target: null, cleanup: [] };
  }

  get layoutPending(): boolean {
    return this.#layoutPending;
  }

  /** Joined members that are in neither the ring nor the target: new nodes waiting to be moved in. */
  standby(): NodeId[] {
    const placed = new Set(this.#ring.nodes());
    return [...this.#members.values()].filter((member) => member.joined && !placed.has(member.info.id)).map((member) => member.info.id);
  }

  /**
   * Persists a new layout with `extra` records in one atomic write, dropping `removed` from the
   * members; once durable the ring follows it, removed members are told so (and their connections
   * closed), and `then` runs.
   */
  changeLayout(layout: LayoutRecord, removed: readonly NodeId[], extra: CoordinatorRecord[], then: () => void): void {
    if (this.#layoutPending) throw new Error("invariant: a layout change started while another is being written");
    this.#layoutPending = true;
    const listed = [...this.#members.values()].filter((member) => member.joined && !removed.includes(member.info.id));
    if (removed.length > 0) {
      // Remembered on their directories, so that one that comes back is told it was removed rather than taken for a new node.
      const gone = removed.map((id) => ({ id, incarnation: this.#members.get(id)?.info.incarnation ?? "" }));
      layout = { ...layout, removed: [...(layout.removed ?? []), ...gone].slice(-this.config.membersMax) };
    }
    this.outbox.persist([{ ...this.#membersRecord(listed), layout }, ...extra], () => {
      this.#layoutPending = false;
      this.#layout = layout;
      for (const nodeId of removed) this.#remove(nodeId);
      this.#ring = this.#buildRing();
      then();
    });
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  /** Nodes in the ring; before the seal nothing is served until there are minNodes of them. */
  get joinedCount(): number {
    return this.#ring.current.nodes().length;
  }

  /** Before the seal: once minNodes have joined. After it the ring is what the data was placed on. */
  get ready(): boolean {
    return this.#sealed ? this.#ring.current.nodes().length > 0 : this.joinedCount >= this.config.minNodes;
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
    if (known === undefined && this.#layout?.removed?.some((gone) => gone.id === info.id && gone.incarnation === info.incarnation) === true) {
      return this.#refuse(connection, info, `storage node ${JSON.stringify(info.id)} was removed from the cluster; its data directory holds nothing the cluster needs. `
        + "To have this machine join again, start it on a new, empty data directory.");
    }
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

  /** The first write seals the membership (in memory now; on disk with its decision), with the ring it was placed on. */
  seal(): void {
    if (this.#sealed) return;
    this.#sealed = true;
    this.#layout ??= { ring: [...this.#ring.current.nodes()], target: null, cleanup: [] };
  }

  /** Records to persist with a decision: the sealed membership until that is durable. */
  sealRecords(): CoordinatorRecord[] {
    if (!this.#sealed || this.#sealDurable) return [];
    return [this.#membersRecord([...this.#members.values()].filter((member) => member.joined))];
  }

  /** The member is in the ring of the layout, or of its target. */
  placed(nodeId: NodeId): boolean {
    return this.#ring.nodes().includes(nodeId);
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
      role: this.#role(member.info.id),
      primaryPartitions: loads.get(member.info.id)?.primaryPartitions ?? 0,
      replicaPartitions: loads.get(member.info.id)?.replicaPartitions ?? 0,
    }));
  }

  #role(nodeId: NodeId): MemberView["role"] {
    const current = this.#ring.current.hasNode(nodeId);
    const target = this.#ring.target === null ? current : this.#ring.target.hasNode(nodeId);
    if (current) return target ? "active" : "leaving";
    return target ? "joining" : "standby";
  }

  #newNode(connection: ConnectionId, info: MemberInfo, now: number): Admission {
    const refusal = this.#refusal();
    if (refusal !== null) return this.#refuse(connection, info, refusal);
    const member: Member = { info, joined: false, link: "closed", connection: null, lastHeardTick: now, downSinceTick: now };
    this.#members.set(info.id, member);
    this.#markUp(connection, member, info, now);
    this.#persistJoin(info.id, this.#sealed ? "storage node joined; its partitions move to it next" : "storage node joined");
    return { nodeId: info.id, outcome: "joining" };
  }

  /** A member leaves the membership (its change is durable): it is told why, and its connection closed. */
  #remove(nodeId: NodeId): void {
    const member = this.#members.get(nodeId);
    if (member === undefined) return;
    this.#members.delete(nodeId);
    if (member.connection !== null) {
      this.#byConnection.delete(member.connection);
      this.outbox.push({ kind: "refuse", connection: member.connection, reason: `storage node ${JSON.stringify(nodeId)} was removed from the cluster; its partitions are on the other nodes now, and it may stop` });
    }
    this.outbox.log("info", "storage node removed from the cluster", { nodeId });
  }

  #buildRing(): RingLayout {
    if (this.#layout !== null) return new RingLayout(this.placement, this.#layout.ring, this.#layout.target);
    const joined = [...this.#members.values()].filter((member) => member.joined);
    return new RingLayout(this.placement, joined.map((member) => member.info.id), null);
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

  #refusal(): string | null {
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
      this.#ring = this.#buildRing();
      this.outbox.log("info", joinedMessage, { nodeId, members: this.joinedCount });
    });
  }

  /** The membership with the durable layout; changeLayout() writes its own layout over it. */
  #membersRecord(listed: Member[]): CoordinatorRecord & { type: "members" } {
    const record = { type: "members" as const, members: listed.map((member) => member.info), sealed: this.#sealed, placement: this.placement };
    return this.#layout === null ? record : { ...record, layout: this.#layout };
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
    + `so accepting it would lose acknowledged writes. Start ${id} again on its original data directory, or, if that is `
    + `gone for good, remove it (ringkv remove ${now.id} --dead, or RINGKV REMOVE ${now.id} DEAD) and start this node again: it then joins as a new node and its partitions are copied to it.`;
}
