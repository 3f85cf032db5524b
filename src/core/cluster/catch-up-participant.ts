// A storage node's part in catch-up (PROTOCOL.md, In-sync replicas): as an in-sync replica it
// answers scans of the partitions a learner needs; as a learner it takes new commits (`apply`) and
// another replica's entries (`catchUp`), each only where newer than what it holds, and says so only
// once they are durable. A resend that arrives while the first is being written waits for it.

import { partitionOf } from "../ring.js";
import { BoundedSet } from "./bounded-set.js";
import type { Outbox } from "./outbox.js";
import type {
  CoordinatorToNode, DataView, NodeToCoordinator, ParticipantEffect, ParticipantRecord, TxnWrite, VersionedEntry,
} from "./types.js";
import { compareTxids } from "./txid.js";
import type { VersionGate } from "./version-gate.js";

type CatchUpMessage = Extract<CoordinatorToNode, { type: "apply" | "scan" | "catchUp" | "collect" | "drop" }>;

/** The most a scan answers with, whatever it is asked: one chunk must stay a small message. */
export const SCAN_CHUNK_BYTES_MAX = 1024 * 1024;

/** Drop chunks remembered as done, so that a duplicate arriving late deletes nothing learned since. */
const DROPS_REMEMBERED_MAX = 10_000;

export class CatchUpParticipant {
  /** Applies and catch-ups being written ("apply:txid", "catchUp:id"): a resend of one waits for it. */
  readonly #writing = new Set<string>();
  readonly #dropsDone = new BoundedSet<number>(DROPS_REMEMBERED_MAX);

  constructor(
    private readonly data: DataView,
    private readonly versions: VersionGate,
    private readonly outbox: Outbox<ParticipantRecord, ParticipantEffect>,
  ) {}

  message(message: CatchUpMessage): void {
    switch (message.type) {
      case "apply":
        return this.#take(`apply:${message.txid}`, entriesOf(message.txid, message.writes), { type: "applied", txid: message.txid });
      case "catchUp":
        return this.#take(`catchUp:${message.catchUpId}`, message.entries, { type: "caughtUp", catchUpId: message.catchUpId });
      case "collect":
        return this.#collect(message);
      case "drop":
        return this.#drop(message);
      case "scan": {
        const wanted = new Set(message.partitions);
        const bytesMax = Math.min(message.bytesMax, SCAN_CHUNK_BYTES_MAX);
        const { entries, next } = this.data.scan(message.after, (key) => wanted.has(partitionOf(key, message.partitionCount)), bytesMax);
        // A record that fails its checksum has no value to give: a learner is never sent one (repair mends it).
        return this.#send({ type: "scanChunk", scanId: message.scanId, entries: entries.filter((entry) => entry.damaged !== true), next });
      }
    }
  }

  /** Drops one chunk's tombstones older than `before` in the partitions (nothing newer may be on its way for them). */
  #collect(message: Extract<CoordinatorToNode, { type: "collect" }>): void {
    const name = `collect:${message.collectId}`;
    if (this.#writing.has(name)) return;
    const wanted = new Set(message.partitions);
    const { entries, next } = this.data.scan(message.after, (key) => wanted.has(partitionOf(key, message.partitionCount)), SCAN_CHUNK_BYTES_MAX);
    const keys = entries
      .filter((entry) => entry.value === null && entry.damaged !== true && compareTxids(entry.version, message.before) < 0 && this.versions.collectable(entry.key, entry.version))
      .map((entry) => entry.key);
    this.#writing.add(name);
    this.outbox.persist([{ type: "tombstonesCollected", keys }], () => {
      this.#writing.delete(name);
      this.#send({ type: "collected", collectId: message.collectId, next });
    });
  }

  /**
   * Deletes one chunk of the node's keys in the partitions (values, versions, tombstones), except a
   * key with a write on its way to disk. A chunk done before is not done again: a duplicate that
   * arrives after the node started learning a partition must not delete what it learned.
   */
  #drop(message: Extract<CoordinatorToNode, { type: "drop" }>): void {
    const name = `drop:${message.dropId}`;
    if (this.#writing.has(name) || this.#dropsDone.has(message.dropId)) return;
    const wanted = new Set(message.partitions);
    const { entries, next } = this.data.scan(message.after, (key) => wanted.has(partitionOf(key, message.partitionCount)), SCAN_CHUNK_BYTES_MAX);
    const keys = entries.filter((entry) => this.versions.collectable(entry.key, entry.version)).map((entry) => entry.key);
    this.#writing.add(name);
    this.outbox.persist([{ type: "keysDropped", keys }], () => {
      this.#writing.delete(name);
      this.#dropsDone.add(message.dropId);
      this.#send({ type: "dropped", dropId: message.dropId, next });
    });
  }

  /** Writes the entries newer than what the node holds (possibly none: the reply still follows a durable write). */
  #take(name: string, offered: readonly VersionedEntry[], reply: NodeToCoordinator): void {
    if (this.#writing.has(name)) return;
    this.#writing.add(name);
    const entries = offered.filter((entry) => this.versions.claim(entry.key, entry.version));
    this.outbox.persist([{ type: "entries", entries }], () => {
      this.#writing.delete(name);
      this.versions.settle(entries);
      this.#send(reply);
    });
  }

  #send(message: NodeToCoordinator): void {
    this.outbox.push({ kind: "send", message });
  }
}

function entriesOf(version: string, writes: readonly TxnWrite[]): VersionedEntry[] {
  return writes.map((write) => ({ key: write.key, version, value: write.value }));
}
