// Linearizability of single-key operations (DESIGN.md §2.3), checked per key: a history is
// linearizable iff each key's sub-history is (linearizability is compositional, Herlihy & Wing).
// The search is Wing & Gong's, with Lowe's memoization of (set of ops linearized, register state)
// as in Porcupine: walk the ops in time order, tentatively linearize any op whose call has been
// seen, and back up when an op's completion is reached before it could be placed.
//
// Ops whose outcome the client never learned are open-ended: they may take effect at any point after
// their call or never. With `settledAt` (a time after which nothing pending can still take effect,
// e.g. the simulator's heal-and-settle point) such an op must have taken effect by then or never,
// which bounds the search; without it, "never" means "after everything".

import { completedOk, describeEntry, keysOf, type HistoryEntry } from "./history.js";

export interface LinearizabilityOptions {
  /** Search steps allowed per key before the verdict is "unknown" rather than a hang. */
  stepsMax?: number;
  /** Time by which every open-ended op has either taken effect or never will. */
  settledAt?: number;
}

export interface KeyVerdict {
  key: string;
  verdict: "ok" | "violation" | "unknown";
  ops: number;
  steps: number;
  /** For a violation: what could not be explained, for a person. */
  detail?: string;
  /** For a violation: the history entry that could not be placed. */
  blockedEntry?: HistoryEntry;
}

export interface LinearizabilityReport {
  verdict: "ok" | "violation" | "unknown";
  keys: KeyVerdict[];
}

export const DEFAULT_LINEARIZABILITY_STEPS_MAX = 5_000_000;

/** What one op does to, and expects of, one key's register (value, or null for absent). */
export interface KeyOp {
  entry: HistoryEntry;
  invoke: number;
  /** Infinity when open-ended and no settle point is known. */
  complete: number;
  /** Open-ended: may be dropped ("never took effect") when its completion is reached. */
  mayNotHappen: boolean;
  write?: { value: string | null; condition?: "NX" | "XX" };
  /** INCR: the register holds a decimal count (absent: 0) and goes up by one; `expect.value` is then the count it set. */
  increment?: true;
  expect: { value?: string | null; exists?: boolean; written?: boolean; previous?: string | null };
}

export function checkLinearizability(history: readonly HistoryEntry[], options: LinearizabilityOptions = {}): LinearizabilityReport {
  const stepsMax = options.stepsMax ?? DEFAULT_LINEARIZABILITY_STEPS_MAX;
  const keys = [...opsByKey(history, options.settledAt)].map(([key, ops]) => checkKey(key, ops, stepsMax));
  const verdict = keys.some((key) => key.verdict === "violation") ? "violation"
    : keys.some((key) => key.verdict === "unknown") ? "unknown" : "ok";
  return { verdict, keys };
}

/** Splits every op into what it does to each key it touches. */
export function opsByKey(history: readonly HistoryEntry[], settledAt?: number): Map<string, KeyOp[]> {
  const byKey = new Map<string, KeyOp[]>();
  for (const entry of history) {
    const open = entry.result.type === "unknown";
    if (!completedOk(entry) && !open) continue; // a definite failure changed nothing
    const keys = keysOf(entry.op);
    keys.forEach((key, index) => {
      const keyOp = keyOpOf(entry, key, index, keys.length, open, settledAt);
      if (keyOp === undefined) return;
      let ops = byKey.get(key);
      if (ops === undefined) byKey.set(key, (ops = []));
      ops.push(keyOp);
    });
  }
  return byKey;
}

function keyOpOf(entry: HistoryEntry, key: string, index: number, keyCount: number, open: boolean, settledAt?: number): KeyOp | undefined {
  const { op, result } = entry;
  const complete = !open ? entry.complete! : settledAt === undefined ? Infinity : Math.max(settledAt, entry.invoke);
  const keyOp: KeyOp = { entry, invoke: entry.invoke, complete, mayNotHappen: open, expect: {} };
  switch (op.f) {
    case "get":
      if (open || result.type !== "values") return undefined; // a read with no answer tells nothing
      keyOp.expect.value = result.values[index] ?? null;
      return keyOp;
    case "exists": {
      const exists = open || result.type !== "count" ? undefined : existsFromCount(result.count, keyCount);
      if (exists === undefined) return undefined;
      keyOp.expect.exists = exists;
      return keyOp;
    }
    case "set":
      keyOp.write = op.condition === undefined ? { value: op.value } : { value: op.value, condition: op.condition };
      if (result.type === "set") {
        keyOp.expect.written = result.written;
        if (op.get && result.previous !== undefined) keyOp.expect.previous = result.previous;
      }
      return keyOp;
    case "mset":
      keyOp.write = { value: op.pairs.find(([pairKey]) => pairKey === key)![1] };
      return keyOp;
    case "incr":
      keyOp.increment = true;
      if (result.type === "count") keyOp.expect.value = String(result.count);
      return keyOp;
    case "del": {
      keyOp.write = { value: null };
      const existed = result.type === "count" ? existsFromCount(result.count, keyCount) : undefined;
      if (existed !== undefined) keyOp.expect.exists = existed;
      return keyOp;
    }
  }
}

/** Per-key existence from a multi-key count, when the count pins it: 0 (none) or all of them. */
function existsFromCount(count: number, keyCount: number): boolean | undefined {
  if (count === 0) return false;
  if (count === keyCount) return true;
  return undefined;
}

/** The register model: the next state, or undefined when the op's answer does not fit `state`. */
export function stepRegister(state: string | null, op: KeyOp): string | null | undefined {
  const existed = state !== null;
  const { expect } = op;
  if (op.increment === true) {
    // Every acknowledged INCR sets a count no other one set: a lost update cannot be placed.
    const next = String((state === null ? 0 : Number(state)) + 1);
    return expect.value === undefined || expect.value === next ? next : undefined;
  }
  if (expect.value !== undefined && expect.value !== state) return undefined;
  if (expect.exists !== undefined && expect.exists !== existed) return undefined;
  if (expect.previous !== undefined && expect.previous !== state) return undefined;
  if (op.write === undefined) return state;
  const { condition } = op.write;
  const applies = condition === "NX" ? !existed : condition === "XX" ? existed : true;
  if (expect.written !== undefined && expect.written !== applies) return undefined;
  return applies ? op.write.value : state;
}

/** One call or completion in the doubly linked list the search lifts ops out of. */
interface ListNode {
  op: number;
  isCall: boolean;
  time: number;
  prev: ListNode | null;
  next: ListNode | null;
  match: ListNode | null;
}

interface Frame {
  call: ListNode;
  state: string | null;
  /** The op was dropped as "never took effect" rather than linearized. */
  dropped: boolean;
}

function checkKey(key: string, ops: KeyOp[], stepsMax: number): KeyVerdict {
  const head = buildList(ops);
  const done = new OpSet(ops.length);
  const seen = new Set<string>();
  const stack: Frame[] = [];
  let state: string | null = null;
  let steps = 0;
  let deepest = { depth: -1, blockedOp: -1, state: null as string | null };
  let node = head.next;
  while (head.next !== null) {
    steps += 1;
    if (steps > stepsMax) return { key, verdict: "unknown", ops: ops.length, steps };
    const current = node!;
    if (current.isCall) {
      const next = stepRegister(state, ops[current.op]!);
      if (next !== undefined && tryAdvance(current, next, false)) continue;
      node = current.next;
      continue;
    }
    // A completion reached while its op is still unplaced: drop it if it may never have happened,
    // else undo the last choice.
    const call = current.match!;
    if (ops[call.op]!.mayNotHappen && tryAdvance(call, state, true)) continue;
    if (stack.length > deepest.depth) deepest = { depth: stack.length, blockedOp: call.op, state };
    if (!backtrack()) return violation(key, ops, steps, deepest);
  }
  return { key, verdict: "ok", ops: ops.length, steps };

  function tryAdvance(call: ListNode, nextState: string | null, dropped: boolean): boolean {
    done.add(call.op);
    const memo = done.key() + (nextState === null ? "\u0000" : `=${nextState}`);
    if (seen.has(memo)) {
      done.remove(call.op);
      return false;
    }
    seen.add(memo);
    stack.push({ call, state, dropped });
    state = nextState;
    lift(call);
    node = head.next;
    return true;
  }

  function backtrack(): boolean {
    for (;;) {
      const frame = stack.pop();
      if (frame === undefined) return false;
      done.remove(frame.call.op);
      state = frame.state;
      unlift(frame.call);
      // Dropping was the only choice at that completion; its alternatives lie in earlier frames.
      if (frame.dropped) continue;
      node = frame.call.next;
      return true;
    }
  }
}

function violation(key: string, ops: KeyOp[], steps: number, deepest: { depth: number; blockedOp: number; state: string | null }): KeyVerdict {
  const blocked = ops[deepest.blockedOp]!;
  const state = deepest.state === null ? "absent" : JSON.stringify(deepest.state);
  return {
    key,
    verdict: "violation",
    ops: ops.length,
    steps,
    blockedEntry: blocked.entry,
    detail: `key ${key}: no linearization of ${ops.length} ops; the furthest one (${deepest.depth} ops placed, value ${state}) `
      + `could not place: ${describeEntry(blocked.entry)}`,
  };
}

/** Calls and completions sorted by time; at equal times calls first, so touching ops are concurrent. */
function buildList(ops: KeyOp[]): ListNode {
  const nodes: ListNode[] = [];
  ops.forEach((op, index) => {
    const call: ListNode = { op: index, isCall: true, time: op.invoke, prev: null, next: null, match: null };
    const completion: ListNode = { op: index, isCall: false, time: op.complete, prev: null, next: null, match: call };
    call.match = completion;
    nodes.push(call, completion);
  });
  nodes.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const head: ListNode = { op: -1, isCall: false, time: -Infinity, prev: null, next: null, match: null };
  let last = head;
  for (const node of nodes) {
    last.next = node;
    node.prev = last;
    last = node;
  }
  return head;
}

/** Takes an op's call and completion out of the list. */
function lift(call: ListNode): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  const completion = call.match!;
  completion.prev!.next = completion.next;
  if (completion.next !== null) completion.next.prev = completion.prev;
}

/** Puts them back, in the reverse order of lift. */
function unlift(call: ListNode): void {
  const completion = call.match!;
  completion.prev!.next = completion;
  if (completion.next !== null) completion.next.prev = completion;
  call.prev!.next = call;
  call.next!.prev = call;
}

/** The set of ops placed so far, as a bitset with a compact string form for memoization. */
class OpSet {
  readonly #words: Uint32Array;

  constructor(size: number) {
    this.#words = new Uint32Array(Math.ceil(size / 32));
  }

  add(index: number): void {
    this.#words[index >>> 5]! |= 1 << (index & 31);
  }

  remove(index: number): void {
    this.#words[index >>> 5]! &= ~(1 << (index & 31));
  }

  key(): string {
    return String.fromCharCode(...new Uint16Array(this.#words.buffer));
  }
}
