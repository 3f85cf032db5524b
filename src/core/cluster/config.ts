// The machines' configuration: placement, timeouts counted in ticks, and the bounds on every map
// and queue the machines keep (DESIGN.md §5). Timeouts have defaults in milliseconds, turned into
// ticks with `ticksPerSecond`, so a driver with another tick length keeps the same real timing.

import { DEFAULTS } from "../../shared/defaults.js";
import { cacheShape } from "../kv-cache.js";
import { RING_DEFAULTS } from "../ring.js";

/** The coordinator's read cache (src/core/kv-cache.ts): sets x ways entries, bytesMax bytes at most. */
export interface CacheOptions {
  sets: number;
  ways: number;
  bytesMax: number;
}

export interface CoordinatorConfig {
  /** R: storage nodes that hold every key. */
  replicas: number;
  /**
   * W: the fewest in-sync replicas a partition may shrink to when a replica is down (1..R). A write
   * to a partition that would have fewer fails fast; every acknowledged write is on at least W disks.
   */
  minInSync: number;
  /** A replica down this long leaves the in-sync sets of its partitions (while at least minInSync remain). */
  replicaTimeoutTicks: number;
  /** Catch-up: bytes of entries forwarded to learners per second, at most (a chunk may overshoot it once). */
  catchUpBytesPerSecond: number;
  /** Catch-up: the size of one scanned chunk, about. */
  catchUpChunkBytes: number;
  /**
   * A partition fenced for its learner to join (catch-up.ts) waits this long at first for its
   * transactions in flight to drain; one that does not drain is unfenced and tried again later,
   * each try allowed twice as long as the last (up to FENCE_TRIES_DOUBLED doublings).
   */
  fenceTicks: number;
  /** How often the tombstones of fully in-sync partitions are collected. */
  tombstoneCollectTicks: number;
  /** Repair (repair.ts): a background round this long after the last one ended. */
  repairIntervalTicks: number;
  /** Repair: bytes the replicas' scans may read per second, together (a chunk may overshoot it once). */
  repairBytesPerSecond: number;
  /** Repair: the size of one scanned chunk, about. */
  repairChunkBytes: number;
  /** Repair: keys of differing ranges one replica lists in a round, at most (the next round goes on). */
  repairKeysMax: number;
  vnodesPerNode: number;
  /** Ring partitions (a power of two). */
  partitions: number;
  /** Storage nodes that must have joined before anything is served; at least `replicas`. */
  minNodes: number;
  /** Most storage nodes a cluster may have (bounds the membership map). */
  membersMax: number;
  /** The coordinator's own read cache. */
  cache: CacheOptions;
  ticksPerSecond: number;
  /** Votes not all in by then: the transaction aborts. */
  prepareTimeoutTicks: number;
  /** Prepares without a vote and commits without an ack are sent again this often. */
  resendTicks: number;
  /** A replica read without an answer by then is retried on the next replica. */
  readTimeoutTicks: number;
  /** Every node is pinged this often. */
  heartbeatTicks: number;
  /** A node heard nothing from for this long is down. */
  nodeDownTicks: number;
  /** Most writes waiting on (or holding) one key; one more is refused with TRYAGAIN. */
  lockQueueMax: number;
  /** Most write transactions in flight (queued, preparing or deciding) for clients. */
  transactionsInFlightMax: number;
  /** Most read requests in flight. */
  readsInFlightMax: number;
}

export interface ParticipantConfig {
  /** For log fields only. */
  nodeId: string;
  ticksPerSecond: number;
  /** A prepared transaction undecided for this long makes the participant inquire. */
  inquireTicks: number;
  /**
   * A prepare that meets a key locked by another transaction waits this long for it to end (an
   * abort or commit being written, or an in-doubt transaction being asked about) before voting no.
   */
  prepareWaitTicks: number;
  /** Most prepared transactions held at once, and most prepares waiting for a lock; more vote no. */
  preparedMax: number;
  /**
   * How many finished txids are remembered, to refuse a duplicated prepare that arrives after its
   * commit or abort. Must cover every duplicate the network can deliver late (TCP: none).
   */
  finishedTxidsMax: number;
}

export type CoordinatorOptions = Partial<Omit<CoordinatorConfig, "cache">> & { cache?: Partial<CacheOptions> };
export type ParticipantOptions = Partial<ParticipantConfig>;

const DEFAULT_TICKS_PER_SECOND = 1000 / DEFAULTS.tickMs;

const DEFAULT_TIMEOUTS_MS = {
  prepareTimeout: 1_000,
  fence: 30,
  resend: 200,
  readTimeout: 500,
  heartbeat: 200,
  nodeDown: 2_000,
  inquire: 1_000,
  // Under the coordinator's prepare timeout, so that a vote (no) still arrives in time.
  prepareWait: 800,
  replicaTimeout: 3_000,
  tombstoneCollect: DEFAULTS.tombstoneCollectIntervalMs,
  repairInterval: DEFAULTS.repairIntervalMs,
};

export const DEFAULT_CATCH_UP = Object.freeze({
  catchUpBytesPerSecond: 32 * 1024 * 1024,
  catchUpChunkBytes: 256 * 1024,
});

export const DEFAULT_REPAIR = Object.freeze({
  repairBytesPerSecond: DEFAULTS.repairBytesPerSecond,
  repairChunkBytes: 256 * 1024,
  repairKeysMax: 10_000,
});

export const DEFAULT_COORDINATOR_BOUNDS = Object.freeze({
  membersMax: 256,
  lockQueueMax: 1_000,
  transactionsInFlightMax: 10_000,
  readsInFlightMax: 10_000,
});

export const DEFAULT_PARTICIPANT_BOUNDS = Object.freeze({
  preparedMax: 10_000,
  finishedTxidsMax: 100_000,
});

/** Defaults filled in and every number checked; throws RangeError naming the bad option. */
export function makeCoordinatorConfig(options: CoordinatorOptions = {}): CoordinatorConfig {
  const ticksPerSecond = options.ticksPerSecond ?? DEFAULT_TICKS_PER_SECOND;
  const ticks = (ms: number) => ticksFor(ms, ticksPerSecond);
  const replicas = options.replicas ?? RING_DEFAULTS.replicas;
  const config: CoordinatorConfig = {
    replicas,
    minInSync: replicas,
    replicaTimeoutTicks: ticks(DEFAULT_TIMEOUTS_MS.replicaTimeout),
    ...DEFAULT_CATCH_UP,
    fenceTicks: ticks(DEFAULT_TIMEOUTS_MS.fence),
    tombstoneCollectTicks: ticks(DEFAULT_TIMEOUTS_MS.tombstoneCollect),
    repairIntervalTicks: ticks(DEFAULT_TIMEOUTS_MS.repairInterval),
    ...DEFAULT_REPAIR,
    vnodesPerNode: RING_DEFAULTS.vnodesPerNode,
    partitions: RING_DEFAULTS.partitions,
    minNodes: replicas,
    ...DEFAULT_COORDINATOR_BOUNDS,
    ticksPerSecond,
    prepareTimeoutTicks: ticks(DEFAULT_TIMEOUTS_MS.prepareTimeout),
    resendTicks: ticks(DEFAULT_TIMEOUTS_MS.resend),
    readTimeoutTicks: ticks(DEFAULT_TIMEOUTS_MS.readTimeout),
    heartbeatTicks: ticks(DEFAULT_TIMEOUTS_MS.heartbeat),
    nodeDownTicks: ticks(DEFAULT_TIMEOUTS_MS.nodeDown),
    ...withoutUndefined(options),
    cache: cacheShape(withoutUndefined(options.cache ?? {})),
  };
  checkPositiveIntegers("coordinator", { ...config, ...config.cache, cache: undefined });
  if (config.minInSync > config.replicas) {
    throw new RangeError(`coordinator: minInSync (${config.minInSync}) must be at most replicas (${config.replicas})`);
  }
  if (config.minNodes < config.replicas) {
    throw new RangeError(`coordinator: minNodes (${config.minNodes}) must be at least replicas (${config.replicas})`);
  }
  if (config.membersMax < config.minNodes) {
    throw new RangeError(`coordinator: membersMax (${config.membersMax}) must be at least minNodes (${config.minNodes})`);
  }
  // A node counts itself joined at the first frame after the welcome, a ping at the latest, and
  // gives its handshake 5 s (src/runtime/cluster-link.ts): pings must come well within that.
  if (config.heartbeatTicks >= config.ticksPerSecond) {
    throw new RangeError(`coordinator: heartbeatTicks (${config.heartbeatTicks}) must be under one second (${config.ticksPerSecond} ticks)`);
  }
  if (config.nodeDownTicks <= config.heartbeatTicks) {
    throw new RangeError(`coordinator: nodeDownTicks (${config.nodeDownTicks}) must exceed heartbeatTicks (${config.heartbeatTicks})`);
  }
  return config;
}

export function makeParticipantConfig(options: ParticipantOptions = {}): ParticipantConfig {
  const ticksPerSecond = options.ticksPerSecond ?? DEFAULT_TICKS_PER_SECOND;
  const config: ParticipantConfig = {
    nodeId: "",
    ticksPerSecond,
    inquireTicks: ticksFor(DEFAULT_TIMEOUTS_MS.inquire, ticksPerSecond),
    prepareWaitTicks: ticksFor(DEFAULT_TIMEOUTS_MS.prepareWait, ticksPerSecond),
    ...DEFAULT_PARTICIPANT_BOUNDS,
    ...withoutUndefined(options),
  };
  checkPositiveIntegers("participant", { ...config, nodeId: undefined });
  return config;
}

function ticksFor(ms: number, ticksPerSecond: number): number {
  return Math.max(1, Math.ceil((ms * ticksPerSecond) / 1000));
}

/** Options spelled out as `undefined` (e.g. from a CLI parser) mean "use the default". */
function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function checkPositiveIntegers(machine: string, values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`${machine}: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
}
