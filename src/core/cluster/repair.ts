// Repair (PROTOCOL.md, Repair): the in-sync replicas of each partition are compared by digest and
// a replica that differs is brought back to what the others hold. A round, on demand (RINGKV
// REPAIR) or every repairIntervalTicks in the background, goes through four phases:
//
// 1. digests: every in-sync replica that is up scans the partitions it holds (chunk by chunk, one
//    chunk in flight per node, throttled to repairBytesPerSecond) and answers range digests
//    (range-digest.ts). Equal replicas cost one scan each and a few numbers per range.
// 2. summaries: the ranges whose digests differ are listed by each of their replicas: per key, its
//    version and a hash of its value (at most repairKeysMax keys a round; the rest wait for the next).
// 3. fetch: per key, the entry every replica should hold (bestEntry: the newest version; a value
//    damaged in place loses to a strict majority) is read from a replica that holds it.
// 4. fix: each replica that differs gets the entry, taken only where the key still holds what that
//    replica listed, so a write committed meanwhile is never undone (repair-participant.ts).
//
// Tombstone collection and background rounds take turns (neither starts while the other runs), so a
// round compares replicas whose deletions are all still there; a copy older than what collection
// may have dropped elsewhere needs a majority (range-digest.ts bestEntry), never resurrecting a
// deleted value. Only in-sync replicas are compared and only they are a source (a learner is still catching up);
// a partition with fewer than two in-sync replicas up, or whose in-sync set is changing, is skipped.
// A node that goes down leaves the round: its partitions are compared among the others, or skipped.
// Rounds are not durable: a coordinator restart ends the one in progress.

import type { CoordinatorContext } from "./coordinator-context.js";
import type { WriteCoordinator } from "./coordinator-writes.js";
import { keyString } from "./key-string.js";
import { partitionOf } from "../ring.js";
import { bestEntry, differingRanges, RangeDigests, rangeCodeOfKey, REPAIR_RANGES, rangeCode, sameSummary, summarize } from "./range-digest.js";
import type { Bytes, KeySummary, NodeId, RangeDigest, RepairFix, RepairView, RepairRoundView, VersionedEntry } from "./types.js";

type Phase = "digests" | "summaries" | "fetch" | "fix";

/** One node's work in the current phase. */
interface NodeWork {
  /** digests: partitions; summaries: range codes. */
  readonly items: number[];
  after: Bytes | null;
  /** fetch: keys still to read; fix: fixes still to send. */
  keys: Bytes[];
  fixes: RepairFix[];
  /** The request in flight (0: none), when it was sent, and what it carried (to resend it). */
  requestId: number;
  sentTick: number;
  sent: Bytes[] | RepairFix[];
  done: boolean;
}

/** A key found different, and what each of its replicas listed. */
interface Divergent {
  readonly key: Bytes;
  readonly best: KeySummary;
  readonly held: Map<NodeId, KeySummary | undefined>;
}

interface Round {
  readonly view: RepairRoundView;
  phase: Phase;
  /** Each compared partition's in-sync replicas that were up at the start and still are. */
  readonly members: Map<number, NodeId[]>;
  work: Map<NodeId, NodeWork>;
  readonly digests: Map<NodeId, RangeDigests>;
  /** Per differing range code, the nodes that list it, and what each listed. */
  readonly listed: Map<number, NodeId[]>;
  readonly summaries: Map<NodeId, Map<string, KeySummary>>;
  /** Nodes that listed repairKeysMax keys and stopped: the last key (keyString) each listed. */
  readonly listedThrough: Map<NodeId, string>;
  readonly divergent: Map<string, Divergent>;
  /** Fixes found while fetching, per replica to fix. */
  readonly fixes: Map<NodeId, RepairFix[]>;
}

/** Request ids are unique across runs too: each epoch starts its own range. */
const REQUEST_IDS_PER_EPOCH = 2 ** 32;
/** Keys one fetch names, and fix bytes one message carries, at most. */
const FETCH_KEYS_MAX = 256;
const FIX_BYTES_MAX = 1024 * 1024;
/** Keys named in a round's log lines, at most. */
const LOGGED_KEYS_MAX = 10;

export class RepairCoordinator {
  #round: Round | null = null;
  /** The last round (finished), kept for the views. */
  #last: RepairRoundView | null = null;
  #rounds = 0;
  #nextRoundId = 1;
  #nextRequestId: number;
  #nextBackgroundTick: number;
  /** Damage was seen during the round in progress: the next one starts when it ends. */
  #roundAfterThis = false;
  #budgetBytes: number;
  readonly #totals = { keysDiverged: 0, keysFixed: 0 };

  constructor(
    private readonly context: CoordinatorContext,
    private readonly writes: WriteCoordinator,
    /** True while tombstones are being collected: a background round waits, so that what it compares is not collected under it. */
    private readonly collecting: () => boolean,
  ) {
    this.#nextRequestId = context.epoch * REQUEST_IDS_PER_EPOCH;
    this.#nextBackgroundTick = context.clock.now + context.config.repairIntervalTicks;
    this.#budgetBytes = context.config.repairBytesPerSecond;
  }

  /** RINGKV REPAIR: starts a round unless one is running; either way says which. */
  start(trigger: "manual" | "background"): { round: number; started: boolean } {
    if (this.#round !== null) return { round: this.#round.view.id, started: false };
    const id = this.#nextRoundId;
    this.#nextRoundId += 1;
    this.#round = this.#newRound(id, trigger);
    this.context.outbox.log("info", "repair round started", { round: id, trigger, partitions: this.#round.members.size });
    this.#startPhase(this.#round, "digests");
    return { round: id, started: true };
  }

  /**
   * A replica answered a read "damaged here": a background round starts as soon as none runs (or
   * right after the one running, which may have passed the key already), to mend the copy.
   */
  damageSeen(): void {
    if (this.#round === null) this.#nextBackgroundTick = Math.min(this.#nextBackgroundTick, this.context.clock.now);
    else this.#roundAfterThis = true;
  }

  /** A round is in progress. */
  get running(): boolean {
    return this.#round !== null;
  }

  view(): RepairView {
    const { config, clock } = this.context;
    return {
      current: this.#round === null ? null : { ...this.#round.view, phase: this.#round.phase, elapsedTicks: clock.now - this.#round.view.startedTick },
      last: this.#last,
      rounds: this.#rounds,
      ...this.#totals,
      nextBackgroundInTicks: Math.max(0, this.#nextBackgroundTick - clock.now),
      bytesPerSecond: config.repairBytesPerSecond,
    };
  }

  tick(): void {
    const { config, clock } = this.context;
    this.#budgetBytes = Math.min(config.repairBytesPerSecond, this.#budgetBytes + Math.ceil(config.repairBytesPerSecond / config.ticksPerSecond));
    const round = this.#round;
    if (round === null) {
      if (clock.now >= this.#nextBackgroundTick && !this.collecting()) this.start("background");
      return;
    }
    for (const [node, work] of round.work) {
      const lost = work.requestId !== 0 && clock.now - work.sentTick >= config.readTimeoutTicks;
      if (lost) work.requestId = 0;
      if (work.requestId === 0 && !work.done) this.#send(round, node, work, lost);
    }
    this.#phaseDoneIfAll(round); // a fix phase whose fixes all went stale is over
  }

  /** A node went down: it leaves the round; its partitions are compared among the others, or skipped. */
  nodeDown(nodeId: NodeId): void {
    const round = this.#round;
    if (round === null) return;
    for (const [partition, members] of round.members) {
      if (!members.includes(nodeId)) continue;
      const others = members.filter((member) => member !== nodeId);
      if (others.length >= 2) round.members.set(partition, others);
      else this.#skip(round, partition);
    }
    round.work.delete(nodeId);
    this.#phaseDoneIfAll(round);
  }

  // ------------------------------------------------------------ replies

  digestChunk(from: NodeId, digestId: number, ranges: readonly RangeDigest[], next: Bytes | null, bytes: number): void {
    const work = this.#workFor(from, digestId, "digests");
    if (work === undefined) return;
    const digests = this.#round!.digests.get(from)!;
    for (const range of ranges) digests.merge(range);
    this.#chunkTaken(from, work, next, bytes);
  }

  summaryChunk(from: NodeId, summaryId: number, keys: readonly KeySummary[], next: Bytes | null, bytes: number): void {
    const work = this.#workFor(from, summaryId, "summaries");
    if (work === undefined) return;
    const round = this.#round!;
    const listed = round.summaries.get(from)!;
    let full = false;
    for (const summary of keys) {
      if (listed.size >= this.context.config.repairKeysMax) {
        full = true;
        break;
      }
      listed.set(keyString(summary.key), summary);
      if (listed.size >= this.context.config.repairKeysMax) round.listedThrough.set(from, keyString(summary.key));
    }
    if (full || round.listedThrough.has(from)) round.view.keysLeftForNextRound = true;
    this.#chunkTaken(from, work, round.listedThrough.has(from) ? null : next, bytes);
  }

  fetched(from: NodeId, fetchId: number, entries: readonly VersionedEntry[], looked: number): void {
    const work = this.#workFor(from, fetchId, "fetch");
    if (work === undefined) return;
    const round = this.#round!;
    const asked = work.sent as Bytes[];
    const found = new Map(entries.map((entry) => [keyString(entry.key), entry]));
    for (const key of asked.slice(0, Math.max(1, looked))) this.#toFix(round, key, found.get(keyString(key)));
    work.keys.unshift(...asked.slice(Math.max(1, looked)));
    this.#requestAnswered(from, work);
  }

  fixed(from: NodeId, fixId: number, fixed: number): void {
    const work = this.#workFor(from, fixId, "fix");
    if (work === undefined) return;
    this.#round!.view.keysFixed += fixed;
    this.#totals.keysFixed += fixed;
    this.#requestAnswered(from, work);
  }

  // ------------------------------------------------------------ phases

  #newRound(id: number, trigger: "manual" | "background"): Round {
    const { inSync, membership, clock } = this.context;
    const members = new Map<number, NodeId[]>();
    const view: RepairRoundView = {
      id, trigger, phase: "digests", startedTick: clock.now, finishedTick: null, elapsedTicks: 0, partitionsCompared: 0, partitionsSkipped: 0, partitionsDiverged: 0,
      rangesDiverged: 0, keysCompared: 0, keysDiverged: 0, keysFixed: 0, keysUnresolved: 0, keysChanged: 0, bytesScanned: 0, keysLeftForNextRound: false,
    };
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      const up = inSync.members(partition).filter((node) => membership.isUp(node));
      if (up.length >= 2 && !inSync.isChanging(partition) && !inSync.isFenced(partition)) members.set(partition, up);
      else view.partitionsSkipped += 1;
    }
    return {
      view, phase: "digests", members, work: new Map(), digests: new Map(), listed: new Map(), summaries: new Map(), listedThrough: new Map(),
      divergent: new Map(), fixes: new Map(),
    };
  }

  #startPhase(round: Round, phase: Phase): void {
    round.phase = phase;
    round.work = new Map();
    const add = (node: NodeId): NodeWork => {
      let work = round.work.get(node);
      if (work === undefined) round.work.set(node, (work = { items: [], after: null, keys: [], fixes: [], requestId: 0, sentTick: 0, sent: [], done: false }));
      return work;
    };
    if (phase === "digests") {
      for (const [partition, members] of round.members) for (const node of members) add(node).items.push(partition);
      for (const node of round.work.keys()) round.digests.set(node, new RangeDigests());
    } else if (phase === "summaries") {
      for (const [code, nodes] of round.listed) for (const node of nodes) add(node).items.push(code);
      for (const node of round.work.keys()) round.summaries.set(node, new Map());
    } else if (phase === "fetch") {
      for (const divergent of round.divergent.values()) {
        const source = [...divergent.held].find(([, held]) => sameSummary(held, divergent.best))![0];
        add(source).keys.push(divergent.key);
      }
    }
    // fix: the work was queued while fetching
    for (const [node, work] of round.work) this.#send(round, node, work, false);
    this.#phaseDoneIfAll(round);
  }

  /** The phase's work is all answered: compare, and go on to the next phase (or finish). */
  #phaseDoneIfAll(round: Round): void {
    if (this.#round !== round || [...round.work.values()].some((work) => !work.done)) return;
    if (round.phase === "digests") {
      this.#compareDigests(round);
      if (round.listed.size > 0) return this.#startPhase(round, "summaries");
    } else if (round.phase === "summaries") {
      this.#compareSummaries(round);
      if (round.divergent.size > 0) return this.#startPhase(round, "fetch");
    } else if (round.phase === "fetch") {
      const fixes = this.#fixWork(round);
      if (fixes.size > 0) {
        round.phase = "fix";
        round.work = fixes;
        for (const [node, work] of fixes) this.#send(round, node, work, false);
        return this.#phaseDoneIfAll(round);
      }
    }
    this.#finish(round);
  }

  #compareDigests(round: Round): void {
    for (const [partition, members] of round.members) {
      round.view.partitionsCompared += 1;
      const ranges = differingRanges(partition, members.map((node) => round.digests.get(node)!));
      if (ranges.length === 0) continue;
      round.view.partitionsDiverged += 1;
      round.view.rangesDiverged += ranges.length;
      for (const range of ranges) round.listed.set(rangeCode(partition, range), [...members]);
    }
  }

  /** Keys listed differently by the replicas of their range: what each should hold, and who holds it. */
  #compareSummaries(round: Round): void {
    const unresolved: string[] = [];
    // A node that stopped listing at repairKeysMax says nothing of the keys after its last one.
    const through = [...round.listedThrough.values()].sort()[0];
    const collectableBefore = this.writes.tombstoneWatermark();
    for (const [code, nodes] of round.listed) {
      const listers = nodes.filter((node) => round.summaries.has(node));
      if (listers.length < 2) continue;
      const keys = new Map<string, Bytes>();
      for (const node of listers) {
        for (const [name, summary] of round.summaries.get(node)!) {
          const inRange = rangeCodeOfKey(summary.key, this.context.membership.placement.partitions) === code;
          if (inRange && (through === undefined || name <= through)) keys.set(name, summary.key);
        }
      }
      for (const [name, key] of keys) {
        round.view.keysCompared += 1;
        const held = new Map(listers.map((node) => [node, round.summaries.get(node)!.get(name)]));
        if (listers.every((node) => sameSummary(held.get(node), held.get(listers[0]!)))) continue;
        round.view.keysDiverged += 1;
        this.#totals.keysDiverged += 1;
        const best = bestEntry([...held.values()], collectableBefore);
        if (best === null || best === undefined) {
          round.view.keysUnresolved += 1;
          if (unresolved.length < LOGGED_KEYS_MAX) unresolved.push(name);
          continue;
        }
        round.divergent.set(name, { key, best, held });
      }
    }
    if (unresolved.length > 0) {
      this.context.outbox.log("warn", "repair cannot tell which replica is right: one version, different values, no majority", {
        round: round.view.id, keys: round.view.keysUnresolved, examples: unresolved,
      });
    }
  }

  /** A fetched entry: each replica that differs from it gets a fix (unless the source changed meanwhile). */
  #toFix(round: Round, key: Bytes, entry: VersionedEntry | undefined): void {
    const divergent = round.divergent.get(keyString(key));
    if (divergent === undefined) return;
    if (entry === undefined || !sameSummary(summarize(entry), divergent.best)) {
      round.view.keysChanged += 1; // the source's entry changed since it was listed: a later round looks again
      return;
    }
    for (const [node, held] of divergent.held) {
      if (sameSummary(held, divergent.best)) continue;
      let fixes = round.fixes.get(node);
      if (fixes === undefined) round.fixes.set(node, (fixes = []));
      const fix: RepairFix = { entry, expectVersion: held?.version ?? null, expectHash: held?.valueHash ?? null };
      if (held?.damaged === true) fix.expectDamaged = true;
      fixes.push(fix);
    }
  }

  #fixWork(round: Round): Map<NodeId, NodeWork> {
    const work = new Map<NodeId, NodeWork>();
    for (const [node, fixes] of round.fixes) {
      if (!this.context.membership.isUp(node) || fixes.length === 0) continue;
      work.set(node, { items: [], after: null, keys: [], fixes, requestId: 0, sentTick: 0, sent: [], done: false });
    }
    return work;
  }

  #finish(round: Round): void {
    const { clock, config } = this.context;
    round.view.finishedTick = clock.now;
    round.view.elapsedTicks = clock.now - round.view.startedTick;
    this.#last = { ...round.view, phase: "done" };
    this.#round = null;
    this.#rounds += 1;
    this.#nextBackgroundTick = this.#roundAfterThis ? clock.now : clock.now + config.repairIntervalTicks;
    this.#roundAfterThis = false;
    const { id, keysDiverged, keysFixed, keysUnresolved, partitionsCompared, partitionsDiverged } = round.view;
    const fields = { round: id, partitionsCompared, partitionsDiverged, keysDiverged, keysFixed, keysUnresolved, bytesScanned: round.view.bytesScanned };
    if (keysDiverged > 0) this.context.outbox.log("warn", "repair found replicas that differed and brought them back to the in-sync copy", fields);
    else this.context.outbox.log("info", "repair round finished: the in-sync replicas agree", fields);
  }

  #skip(round: Round, partition: number): void {
    round.members.delete(partition);
    round.view.partitionsSkipped += 1;
    for (let range = 0; range < REPAIR_RANGES; range += 1) round.listed.delete(rangeCode(partition, range));
  }

  // ------------------------------------------------------------ requests

  /** The work a reply belongs to, if it is the answer awaited in this phase. */
  #workFor(from: NodeId, requestId: number, phase: Phase): NodeWork | undefined {
    const round = this.#round;
    const work = round?.phase === phase ? round.work.get(from) : undefined;
    return work !== undefined && work.requestId === requestId && requestId !== 0 ? work : undefined;
  }

  #chunkTaken(from: NodeId, work: NodeWork, next: Bytes | null, bytes: number): void {
    this.#budgetBytes -= bytes;
    this.#round!.view.bytesScanned += bytes;
    work.after = next;
    if (next === null) work.done = true;
    this.#requestAnswered(from, work);
  }

  #requestAnswered(from: NodeId, work: NodeWork): void {
    const round = this.#round!;
    work.requestId = 0;
    if (round.phase === "fetch" || round.phase === "fix") work.done = work.keys.length === 0 && work.fixes.length === 0;
    if (!work.done) this.#send(round, from, work, false);
    this.#phaseDoneIfAll(round);
  }

  /** Sends the work's next request (or again the lost one); scans wait for the throttle's budget. */
  #send(round: Round, node: NodeId, work: NodeWork, resend: boolean): void {
    const { config, membership, clock } = this.context;
    const scanning = round.phase === "digests" || round.phase === "summaries";
    if (scanning && this.#budgetBytes <= 0) return; // the next tick tries again
    work.requestId = this.#nextRequestId;
    this.#nextRequestId += 1;
    work.sentTick = clock.now;
    const partitionCount = membership.placement.partitions;
    const bytesMax = config.repairChunkBytes;
    switch (round.phase) {
      case "digests":
        return membership.send(node, { type: "digest", digestId: work.requestId, partitions: work.items, partitionCount, after: work.after, bytesMax });
      case "summaries":
        return membership.send(node, { type: "summarize", summaryId: work.requestId, ranges: work.items, partitionCount, after: work.after, bytesMax });
      case "fetch":
        if (!resend) work.sent = work.keys.splice(0, FETCH_KEYS_MAX);
        return membership.send(node, { type: "fetch", fetchId: work.requestId, keys: work.sent as Bytes[] });
      case "fix": {
        // A move may have taken a key's partition off this node since it listed the key: a fix
        // there would write back data the node dropped and no longer replicates.
        // Only the batch being sent is checked, so a long list of fixes is walked once in all.
        const stillReplica = (fix: RepairFix) => this.#stillReplica(node, fix.entry.key);
        let batch = resend ? (work.sent as RepairFix[]).filter(stillReplica) : [];
        while (batch.length === 0 && work.fixes.length > 0) batch = takeFixes(work.fixes).filter(stillReplica);
        work.sent = batch;
        if (batch.length === 0) {
          work.requestId = 0;
          work.done = true;
          return;
        }
        return membership.send(node, { type: "fix", fixId: work.requestId, fixes: work.sent as RepairFix[] });
      }
    }
  }

  #stillReplica(node: NodeId, key: Bytes): boolean {
    const { inSync, membership } = this.context;
    const partition = partitionOf(key, membership.placement.partitions);
    return inSync.members(partition).includes(node) && !inSync.isChanging(partition);
  }
}

/** The first fixes, up to about FIX_BYTES_MAX bytes of entries (at least one). */
function takeFixes(fixes: RepairFix[]): RepairFix[] {
  let bytes = 0;
  let count = 0;
  while (count < fixes.length && (count === 0 || bytes < FIX_BYTES_MAX)) {
    const { entry } = fixes[count]!;
    bytes += entry.key.length + (entry.value?.length ?? 0);
    count += 1;
  }
  return fixes.splice(0, count);
}
