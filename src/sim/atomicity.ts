// Atomicity of multi-key writes (DESIGN.md §2.2): no reader sees a multi-key write partly applied.
// It is checkable where keys move together: a "group" is a set of keys that is only ever written by
// MSETs of exactly that set. Every read of a whole group must then see all of its keys written by
// one and the same MSET, or none of them written at all.

import { describeEntry, isWrite, keysOf, type HistoryEntry } from "./history.js";

export interface AtomicityViolation {
  read: HistoryEntry;
  group: string[];
  detail: string;
}

export function checkAtomicity(history: readonly HistoryEntry[]): AtomicityViolation[] {
  const groups = findGroups(history);
  const writers = writerByKeyValue(history);
  const violations: AtomicityViolation[] = [];
  for (const entry of history) {
    if (entry.op.f !== "get" || entry.result.type !== "values") continue;
    const seen = new Map<string, string | null>();
    const { values } = entry.result;
    entry.op.keys.forEach((key, index) => seen.set(key, values[index] ?? null));
    for (const group of groups) {
      if (!group.every((key) => seen.has(key))) continue;
      const problem = mixedWriters(group, seen, writers);
      if (problem !== undefined) violations.push({ read: entry, group, detail: `${problem}; read: ${describeEntry(entry)}` });
    }
  }
  return violations;
}

/** Key sets written only by MSETs of exactly that set. */
export function findGroups(history: readonly HistoryEntry[]): string[][] {
  const candidates = new Map<string, string[]>();
  const spoiled = new Set<string>();
  const groupOfKey = new Map<string, string>();
  for (const { op } of history) {
    if (!isWrite(op)) continue;
    const keys = keysOf(op);
    const id = JSON.stringify([...keys].sort());
    if (op.f !== "mset" || keys.length < 2) {
      for (const key of keys) spoiled.add(groupOfKey.get(key) ?? `key:${key}`);
      for (const key of keys) groupOfKey.set(key, groupOfKey.get(key) ?? `key:${key}`);
      continue;
    }
    candidates.set(id, [...keys].sort());
    for (const key of keys) {
      const previous = groupOfKey.get(key);
      if (previous !== undefined && previous !== id) {
        spoiled.add(previous);
        spoiled.add(id);
      }
      groupOfKey.set(key, id);
    }
  }
  return [...candidates].filter(([id, keys]) => !spoiled.has(id) && keys.every((key) => groupOfKey.get(key) === id)).map(([, keys]) => keys);
}

function writerByKeyValue(history: readonly HistoryEntry[]): Map<string, HistoryEntry> {
  const writers = new Map<string, HistoryEntry>();
  for (const entry of history) {
    if (entry.op.f !== "mset") continue;
    for (const [key, value] of entry.op.pairs) writers.set(`${key}\u0000${value}`, entry);
  }
  return writers;
}

function mixedWriters(group: string[], seen: Map<string, string | null>, writers: Map<string, HistoryEntry>): string | undefined {
  const values = group.map((key) => seen.get(key) ?? null);
  if (values.every((value) => value === null)) return undefined;
  const sources = group.map((key, index) => (values[index] === null ? undefined : writers.get(`${key}\u0000${values[index]}`)));
  const first = sources[0];
  if (first !== undefined && sources.every((source) => source === first)) return undefined;
  const shown = group.map((key, index) => `${key}=${JSON.stringify(values[index])}`).join(" ");
  return `group ${group.join(",")} seen partly written: ${shown}`;
}
