// The consistent-hash ring: which storage nodes hold a key.
//
// PLACEMENT FUNCTION. Data placement depends on every line of this; changing any of it moves keys,
// so it is fixed (murmur3 is src/core/hash.ts: MurmurHash3 x86 32-bit, seed 0):
//   1. A key's hash is h = murmur3(key bytes); a string key is hashed as its UTF-8 bytes.
//   2. The 32-bit hash space is cut into P equal partitions (P a power of two): partition p covers
//      [p * 2^32/P, (p+1) * 2^32/P), so a key's partition is h >>> (32 - log2 P), i.e. its top bits.
//   3. Node n owns V virtual nodes whose tokens are murmur3String(`${n}#${i}`) for i = 0 .. V-1.
//   4. Tokens are sorted by value, equal tokens by node id (UTF-16 code-unit order), so equal
//      tokens never make placement depend on the order in which nodes joined.
//   5. Partition p's replica set: from the first token >= p * 2^32/P, walking clockwise (wrapping
//      past 2^32 - 1 to 0), the first R distinct node ids; fewer if the ring has fewer nodes. The
//      first is the primary.
//
// Why partitions: replica sets (and, later, in-sync sets) are tracked per partition, computed once per
// membership change, so routing a key is one hash and one array index. Why virtual nodes: V tokens
// per node spread each node's share over the ring, so shares are even and a joining node takes a
// little from every other node rather than a whole arc from one neighbour.

import { DEFAULTS } from "../shared/defaults.js";
import { murmur3, murmur3String } from "./hash.js";

/** Hard ceilings on the ring's parameters; they keep a misconfiguration from exhausting memory. */
export const RING_PARTITIONS_MAX = 2 ** 20;
export const RING_VNODES_PER_NODE_MAX = 4096;

export interface RingOptions {
  /** Number of partitions P: a power of two, 1 .. RING_PARTITIONS_MAX. */
  partitions?: number;
  /** Virtual nodes V per storage node, 1 .. RING_VNODES_PER_NODE_MAX. */
  vnodesPerNode?: number;
  /** Replicas R per partition, >= 1 (a partition gets min(R, nodes)). */
  replicas?: number;
}

export const RING_DEFAULTS: Readonly<Required<RingOptions>> = Object.freeze({
  partitions: DEFAULTS.partitions,
  vnodesPerNode: DEFAULTS.vnodesPerNode,
  replicas: DEFAULTS.replicas,
});

/** How much of the ring one node holds, in partitions. */
export interface NodeLoad {
  /** Partitions for which the node is the primary (first) replica. */
  primaryPartitions: number;
  /** Partitions whose replica set includes the node, primary or not. */
  replicaPartitions: number;
}

/** The persisted form: parameters plus membership are all a ring is rebuilt from. */
export interface RingJson {
  /** Names the placement function above, so a ring saved under another one is refused. */
  hash: typeof PLACEMENT_HASH;
  partitions: number;
  vnodesPerNode: number;
  replicas: number;
  /** Node ids, sorted. */
  nodes: string[];
}

const PLACEMENT_HASH = "murmur3_x86_32";
const HASH_SPACE = 2 ** 32;
const NO_REPLICAS: readonly string[] = Object.freeze([]);

interface Token {
  value: number;
  nodeId: string;
}

/**
 * An immutable ring: withNode/withoutNode return a new Ring. The coordinator computes the next ring,
 * persists it, and only then switches, while requests in flight keep routing with the old one; the
 * simulator and the tests compare a ring with its successor. A membership change rebuilds the
 * placement (O(N·V log(N·V) + P log(N·V))), which is rare next to lookups.
 */
/** The partition of P (a power of two) that a key falls in: the top bits of its hash. */
export function partitionOf(key: Uint8Array | string, partitions: number): number {
  const hash = typeof key === "string" ? murmur3String(key) : murmur3(key);
  // Division rather than `hash >>> (32 - log2 P)`: JavaScript takes shift counts mod 32, so
  // P = 1 would shift by 0. The span is a power of two, so the division is exact.
  return Math.floor(hash / (HASH_SPACE / partitions));
}

export class Ring {
  readonly partitions: number;
  readonly vnodesPerNode: number;
  readonly replicas: number;
  readonly #nodes: readonly string[];
  /** Width of one partition in hash values: 2^32 / P. */
  readonly #partitionSpan: number;
  readonly #replicaSets: ReadonlyArray<readonly string[]>;

  constructor(options: RingOptions = {}, nodeIds: Iterable<string> = []) {
    const { partitions, vnodesPerNode, replicas } = { ...RING_DEFAULTS, ...options };
    checkPartitions(partitions);
    checkIntegerIn("vnodesPerNode", vnodesPerNode, 1, RING_VNODES_PER_NODE_MAX);
    checkIntegerIn("replicas", replicas, 1, Infinity);
    this.partitions = partitions;
    this.vnodesPerNode = vnodesPerNode;
    this.replicas = replicas;
    this.#nodes = Object.freeze(checkedSortedNodeIds(nodeIds));
    this.#partitionSpan = HASH_SPACE / partitions;
    this.#replicaSets = this.#placePartitions(sortedTokens(this.#nodes, vnodesPerNode));
  }

  /** A ring with `nodeId` added; throws RangeError if it is empty or already a member. */
  withNode(nodeId: string): Ring {
    return new Ring(this.#options(), [...this.#nodes, nodeId]);
  }

  /** A ring with `nodeId` removed; throws RangeError if it is not a member. */
  withoutNode(nodeId: string): Ring {
    if (!this.hasNode(nodeId)) {
      throw new RangeError(`ring: cannot remove node ${JSON.stringify(nodeId)}: it is not a member`);
    }
    return new Ring(this.#options(), this.#nodes.filter((id) => id !== nodeId));
  }

  /** Member node ids, sorted. */
  nodes(): readonly string[] {
    return this.#nodes;
  }

  hasNode(nodeId: string): boolean {
    return this.#nodes.includes(nodeId);
  }

  /** The partition a key falls in (step 2 of the placement function). */
  partitionOfKey(key: Uint8Array | string): number {
    return partitionOf(key, this.partitions);
  }

  /** The replicas of a key, primary first; a cached frozen array, empty when the ring is. */
  replicasForKey(key: Uint8Array | string): readonly string[] {
    return this.replicasOfPartition(this.partitionOfKey(key));
  }

  /** The replicas of partition `partition`, primary first; a cached frozen array. */
  replicasOfPartition(partition: number): readonly string[] {
    const replicas = this.#replicaSets[partition];
    if (replicas === undefined) {
      throw new RangeError(`ring: partition must be an integer in 0..${this.partitions - 1}, got ${partition}`);
    }
    return replicas;
  }

  /** Every member's load, in partitions; members that hold nothing appear with zeros. */
  loadByNode(): Map<string, NodeLoad> {
    const loads = new Map<string, NodeLoad>();
    for (const nodeId of this.#nodes) loads.set(nodeId, { primaryPartitions: 0, replicaPartitions: 0 });
    for (const replicas of this.#replicaSets) {
      replicas.forEach((nodeId, rank) => {
        const load = loads.get(nodeId)!;
        if (rank === 0) load.primaryPartitions += 1;
        load.replicaPartitions += 1;
      });
    }
    return loads;
  }

  toJSON(): RingJson {
    return { hash: PLACEMENT_HASH, ...this.#options(), nodes: [...this.#nodes] };
  }

  /** Rebuilds a ring from toJSON()'s output; throws RangeError on anything else. */
  static fromJSON(json: unknown): Ring {
    if (typeof json !== "object" || json === null) {
      throw new RangeError(`ring: saved ring must be an object, got ${json === null ? "null" : typeof json}`);
    }
    const saved = json as Partial<Record<keyof RingJson, unknown>>;
    if (saved.hash !== PLACEMENT_HASH) {
      throw new RangeError(`ring: saved ring uses hash ${JSON.stringify(saved.hash)}, this build places with ${PLACEMENT_HASH}`);
    }
    if (!Array.isArray(saved.nodes) || !saved.nodes.every((id) => typeof id === "string")) {
      throw new RangeError("ring: saved ring's nodes must be an array of strings");
    }
    const options = { partitions: saved.partitions, vnodesPerNode: saved.vnodesPerNode, replicas: saved.replicas };
    for (const [name, value] of Object.entries(options)) {
      if (typeof value !== "number") throw new RangeError(`ring: saved ring's ${name} must be a number, got ${typeof value}`);
    }
    return new Ring(options as Required<RingOptions>, saved.nodes as string[]);
  }

  #options(): Required<RingOptions> {
    return { partitions: this.partitions, vnodesPerNode: this.vnodesPerNode, replicas: this.replicas };
  }

  /** Step 5 for every partition. Partitions whose walk starts at the same token share one array. */
  #placePartitions(tokens: readonly Token[]): ReadonlyArray<readonly string[]> {
    // Stop a walk once every member is found: with R > N the walk would otherwise circle the whole ring.
    const wanted = Math.min(this.replicas, this.#nodes.length);
    const setByStartToken = new Array<readonly string[] | undefined>(tokens.length);
    const sets = new Array<readonly string[]>(this.partitions);
    for (let partition = 0; partition < this.partitions; partition += 1) {
      if (tokens.length === 0) {
        sets[partition] = NO_REPLICAS;
        continue;
      }
      const start = firstTokenAtOrAfter(tokens, partition * this.#partitionSpan) % tokens.length;
      const set = setByStartToken[start] ?? distinctNodesFrom(tokens, start, wanted);
      setByStartToken[start] = set;
      sets[partition] = set;
    }
    return sets;
  }
}

function checkPartitions(partitions: number): void {
  checkIntegerIn("partitions", partitions, 1, RING_PARTITIONS_MAX);
  if ((partitions & (partitions - 1)) !== 0) {
    throw new RangeError(`ring: partitions must be a power of two, got ${partitions}`);
  }
}

function checkIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    throw new RangeError(`ring: ${name} must be an integer ${range}, got ${value}`);
  }
}

/** Sorted so that membership, not insertion order, decides everything downstream. */
function checkedSortedNodeIds(nodeIds: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const nodeId of nodeIds) {
    if (typeof nodeId !== "string" || nodeId.length === 0) {
      throw new RangeError(`ring: a node id must be a non-empty string, got ${JSON.stringify(nodeId)}`);
    }
    if (seen.has(nodeId)) throw new RangeError(`ring: node ${JSON.stringify(nodeId)} is already a member`);
    seen.add(nodeId);
  }
  return [...seen].sort();
}

/** Steps 3 and 4: every virtual node's token, ordered by value, then by node id. */
function sortedTokens(nodeIds: readonly string[], vnodesPerNode: number): Token[] {
  const tokens: Token[] = [];
  for (const nodeId of nodeIds) {
    for (let i = 0; i < vnodesPerNode; i += 1) tokens.push({ value: murmur3String(`${nodeId}#${i}`), nodeId });
  }
  return tokens.sort((a, b) => a.value - b.value || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

/** Index of the first token whose value is >= `hash`; tokens.length if there is none. */
function firstTokenAtOrAfter(tokens: readonly Token[], hash: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (tokens[middle]!.value < hash) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first `wanted` distinct node ids walking clockwise from tokens[start]. */
function distinctNodesFrom(tokens: readonly Token[], start: number, wanted: number): readonly string[] {
  const found: string[] = [];
  for (let step = 0; step < tokens.length && found.length < wanted; step += 1) {
    const { nodeId } = tokens[(start + step) % tokens.length]!;
    if (!found.includes(nodeId)) found.push(nodeId);
  }
  return Object.freeze(found);
}
