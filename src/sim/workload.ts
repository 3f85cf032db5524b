// What the simulated clients ask for. A small key space so that clients collide on keys all the
// time: "register" keys r0.. written by SET (plain, NX, XX, GET) and DEL and read by GET, MGET and
// EXISTS; and "group" keys g0.a, g0.b, ... written only by MSET of the whole group with one token, so
// any MGET of a group must see one token on every key or nil on all (atomicity); and "counter" keys
// n0.. written only by INCR (a read-modify-write run by the coordinator under the keys' locks) and
// read by GET, so that a lost update is an INCR answer that cannot be linearized. Every other
// write's value is unique (client name and sequence number), so a read tells which write it saw.
// Scans (SCAN's chunks) walk the partitions of a few keys of the key space, so that they find keys.

import { partitionOf } from "../core/ring.js";
import type { HistoryOp } from "./history.js";
import type { Prng } from "./prng.js";
import { textToBytes } from "./trace.js";

export interface KeySpace {
  registers: string[];
  groups: string[][];
  counters: string[];
  /** The ring's partitions, for scans (none when 0). */
  partitions: number;
}

export interface KeySpaceOptions {
  registerKeys: number;
  groups: number;
  groupSize: number;
  /** Keys written only by INCR (none when absent). */
  counterKeys?: number;
  /** The ring's partitions: scans are made only when given. */
  partitions?: number;
}

export function makeKeySpace(options: KeySpaceOptions): KeySpace {
  const registers = Array.from({ length: options.registerKeys }, (_, index) => `r${index}`);
  const groups = Array.from({ length: options.groups }, (_, group) =>
    Array.from({ length: options.groupSize }, (_, member) => `g${group}.${String.fromCharCode(97 + (member % 26))}${member >= 26 ? member : ""}`));
  const counters = Array.from({ length: options.counterKeys ?? 0 }, (_, index) => `n${index}`);
  return { registers, groups, counters, partitions: options.partitions ?? 0 };
}

/** Every key of the key space, registers first. */
export function allKeys(space: KeySpace): string[] {
  return [...space.registers, ...space.groups.flat(), ...space.counters];
}

type OpMaker = (prng: Prng, space: KeySpace, value: string) => HistoryOp | undefined;

/** Relative weights of each kind of request; makers answer undefined when the key space lacks what they need. */
const MIX: Array<[number, OpMaker]> = [
  [20, (prng, space) => ifAny(space.registers, (keys) => ({ f: "get", keys: [prng.pick(keys)] }))],
  [5, (prng, space) => ifAny(space.registers, (keys) => ({ f: "get", keys: someOf(prng, keys) }))],
  [14, (prng, space, value) => ifAny(space.registers, (keys) => ({ f: "set", key: prng.pick(keys), value }))],
  [5, (prng, space, value) => ifAny(space.registers, (keys) => ({ f: "set", key: prng.pick(keys), value, condition: "NX" }))],
  [5, (prng, space, value) => ifAny(space.registers, (keys) => ({ f: "set", key: prng.pick(keys), value, condition: "XX" }))],
  [5, (prng, space, value) => ifAny(space.registers, (keys) => ({ f: "set", key: prng.pick(keys), value, get: true }))],
  [2, (prng, space, value) => ifAny(space.registers, (keys) => ({ f: "set", key: prng.pick(keys), value, condition: "NX", get: true }))],
  [6, (prng, space) => ifAny(space.registers, (keys) => ({ f: "del", keys: [prng.pick(keys)] }))],
  [3, (prng, space) => ifAny(space.registers, (keys) => ({ f: "del", keys: someOf(prng, keys) }))],
  [3, (prng, space) => ifAny(space.registers, (keys) => ({ f: "exists", keys: someOf(prng, keys) }))],
  [14, (prng, space, value) => ifAny(space.groups, (groups) => ({ f: "mset", pairs: prng.pick(groups).map((key): [string, string] => [key, value]) }))],
  [12, (prng, space) => ifAny(space.groups, (groups) => ({ f: "get", keys: prng.pick(groups) }))],
  [4, (prng, space) => ifAny(space.groups, (groups) => ({ f: "get", keys: [prng.pick(prng.pick(groups))] }))],
  [2, (prng, space) => ifAny(space.groups, (groups) => ({ f: "get", keys: [...prng.pick(groups), ...someOf(prng, space.registers)] }))],
  [10, (prng, space) => ifAny(space.counters, (keys) => ({ f: "incr", key: prng.pick(keys) }))],
  [4, (prng, space) => ifAny(space.counters, (keys) => ({ f: "get", keys: [prng.pick(keys)] }))],
  [3, (prng, space) => (space.partitions === 0 ? undefined : ifAny(allKeys(space), (keys) => scanOf(someOf(prng, keys), space.partitions)))],
];

const MIX_TOTAL = MIX.reduce((sum, [weight]) => sum + weight, 0);

/** The next request of a client; `value` is unique to this request (used only by writes). */
export function nextOp(prng: Prng, space: KeySpace, value: string): HistoryOp {
  for (;;) {
    let draw = prng.float() * MIX_TOTAL;
    for (const [weight, make] of MIX) {
      draw -= weight;
      if (draw >= 0) continue;
      const op = make(prng, space, value);
      if (op !== undefined) return op;
      break;
    }
    if (space.registers.length === 0 && space.groups.length === 0 && space.counters.length === 0) throw new Error("workload: the key space is empty");
  }
}

/** A scan of the partitions that hold `keys`, in ring order. */
function scanOf(keys: string[], partitions: number): HistoryOp {
  const holding = new Set(keys.map((key) => partitionOf(textToBytes(key), partitions)));
  return { f: "scan", partitions: [...holding].sort((a, b) => a - b), of: partitions };
}

function ifAny<T>(items: T[], make: (items: T[]) => HistoryOp): HistoryOp | undefined {
  return items.length === 0 ? undefined : make(items);
}

/** Two or more distinct keys in random order (fewer if there are fewer keys). */
function someOf(prng: Prng, keys: string[]): string[] {
  return prng.shuffled(keys).slice(0, Math.min(keys.length, prng.int(2, 3)));
}
