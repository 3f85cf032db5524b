// Logs each change of the cluster's state once, with what to do when something needs doing:
// health (healthy / degraded and why / down), in-sync sets shrinking and growing, membership
// changes and catch-ups starting and finishing. Nodes going down and up are logged by the coordinator
// machine itself as it sees them; this logs what they mean for the cluster.

import type { Logger } from "../runtime/logger.js";
import { clusterHealth, type Health } from "./cluster-health.js";
import type { ClusterSnapshot, MoveSnapshot } from "./cluster-snapshot.js";

export class ClusterWatch {
  #health: Health | undefined;
  /** At start-up, until the cluster first serves, waiting for its nodes is expected: told at info level. */
  #served = false;
  #inSync = new Map<string, number>();
  #move: MoveSnapshot | null = null;
  #catchUps = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Compares with the previous snapshot and logs what changed. */
  observe(snapshot: ClusterSnapshot): void {
    this.#observeHealth(clusterHealth(snapshot));
    this.#observeInSync(snapshot);
    this.#observeMove(snapshot.move);
    this.#catchUps = this.#observeSet(this.#catchUps, snapshot.catchUps.map((catchUp) => catchUp.node), "catch-up of", "nodeId");
  }

  #observeHealth(health: Health): void {
    const previous = this.#health;
    const servedBefore = this.#served;
    this.#health = health;
    if (health.status !== "down") this.#served = true;
    if (previous?.status === health.status && sameList(previous.reasons, health.reasons)) return;
    const fields = { health: health.status, reasons: health.reasons, ...(health.actions.length > 0 ? { action: health.actions.join("; ") } : {}) };
    const startingUp = previous === undefined || !servedBefore;
    if (health.status === "healthy") {
      this.logger.info(fields, startingUp ? "cluster healthy" : "cluster healthy again: every storage node is up and every partition fully replicated");
      return;
    }
    const message = `cluster ${health.status === previous?.status ? "still " : ""}${health.status}: ${health.reasons.join("; ")}`;
    if (startingUp) this.logger.info(fields, message);
    else this.logger.warn(fields, message);
  }

  #observeInSync(snapshot: ClusterSnapshot): void {
    const counts = new Map<string, number>();
    for (const members of snapshot.inSync) for (const id of members) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const node of snapshot.nodes) {
      const before = this.#inSync.get(node.id);
      const now = counts.get(node.id) ?? 0;
      counts.set(node.id, now);
      if (before === undefined || before === now) continue;
      if (now < before) this.logger.warn({ nodeId: node.id, partitions: before - now }, `in-sync sets shrank: ${node.id} left those of ${before - now} partitions`);
      else this.logger.info({ nodeId: node.id, partitions: now - before }, `in-sync sets grew: ${node.id} rejoined those of ${now - before} partitions`);
    }
    this.#inSync = counts;
  }

  /** A membership change: its start, its partitions all in sync (the switch), and its end. */
  #observeMove(move: MoveSnapshot | null): void {
    const before = this.#move;
    this.#move = move;
    if (before === null && move === null) return;
    if (move === null) {
      this.logger.info({ ring: before!.target }, `membership change finished: the ring is ${before!.target.join(",")}`);
      return;
    }
    const fields = { ring: move.ring, target: move.target, partitions: move.partitions };
    if (before === null || !sameList(before.target, move.target)) {
      this.logger.info(fields, `membership change started: ${move.partitions} partitions move from ${move.ring.join(",")} to ${move.target.join(",")}`
        + "; RINGKV MOVES or ringkv status shows its progress");
    } else if (before.state === "moving" && move.state === "cleanup") {
      this.logger.info({ ...fields, keysCopied: move.keysCopied, bytesCopied: move.bytesCopied },
        `membership change: every moved partition's new replicas are in sync (${move.keysCopied} keys copied); switching to the new ring`);
    }
  }

  #observeSet(before: Set<string>, current: string[], what: string, field: string): Set<string> {
    const now = new Set(current);
    for (const item of now) if (!before.has(item)) this.logger.info({ [field]: item }, `${what} ${item} started`);
    for (const item of before) if (!now.has(item)) this.logger.info({ [field]: item }, `${what} ${item} finished`);
    return now;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
