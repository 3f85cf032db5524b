// The SCAN contract (PROTOCOL.md, Key scans), checked on a history: a scan returns every key that
// was present for the whole scan, and no key that never existed. Only what the history proves
// counts: a key is surely present for a scan when a write that created it was acknowledged before
// the scan began and no delete that may have taken effect (one not known to have failed) can fall
// between that write and the scan's end. A key may have existed when some write of it was invoked
// before the scan ended. Keys that come and go meanwhile may be returned or not; repeats are allowed.

import { partitionOf } from "../core/ring.js";
import { completedOk, describeEntry, keysOf, type HistoryEntry } from "./history.js";
import { textToBytes } from "./trace.js";

export interface KeyScanViolation {
  scan: HistoryEntry;
  keys: string[];
  detail: string;
}

export function checkKeyScans(history: readonly HistoryEntry[]): KeyScanViolation[] {
  const creations = new Map<string, HistoryEntry[]>();
  const deletions = new Map<string, HistoryEntry[]>();
  const writes = new Map<string, HistoryEntry[]>();
  for (const entry of history) {
    for (const key of keysOf(entry.op)) {
      if (entry.op.f === "get" || entry.op.f === "exists") continue;
      push(writes, key, entry);
      if (entry.op.f === "del") {
        if (entry.result.type !== "error" && !deletedNothing(entry)) push(deletions, key, entry);
      } else if (created(entry)) {
        push(creations, key, entry);
      }
    }
  }
  const violations: KeyScanViolation[] = [];
  for (const scan of history) {
    const { op, result } = scan;
    if (op.f !== "scan" || result.type !== "keys" || scan.complete === null) continue;
    const scanned = new Set(op.partitions);
    const inScope = (key: string): boolean => scanned.has(partitionOf(textToBytes(key), op.of));
    const returned = new Set(result.keys);
    const strays = [...returned].filter((key) => !inScope(key));
    if (strays.length > 0) violations.push({ scan, keys: strays, detail: `scan returned keys of other partitions: ${strays.join(" ")}; scan: ${describeEntry(scan)}` });
    const madeUp = [...returned].filter((key) => !(writes.get(key) ?? []).some((write) => write.invoke < scan.complete!));
    if (madeUp.length > 0) violations.push({ scan, keys: madeUp, detail: `scan returned keys never written before it ended: ${madeUp.join(" ")}; scan: ${describeEntry(scan)}` });
    const missed = [...creations.keys()].filter((key) => inScope(key) && !returned.has(key) && surelyPresent(key, scan, creations, deletions));
    if (missed.length > 0) violations.push({ scan, keys: missed, detail: `scan missed keys present for the whole scan: ${missed.join(" ")}; scan: ${describeEntry(scan)}` });
  }
  return violations;
}

/** Some acknowledged creation of `key` ended before the scan began, and no possible delete falls after it and before the scan's end. */
function surelyPresent(key: string, scan: HistoryEntry, creations: Map<string, HistoryEntry[]>, deletions: Map<string, HistoryEntry[]>): boolean {
  const deletes = deletions.get(key) ?? [];
  return (creations.get(key) ?? []).some((creation) => creation.complete! < scan.invoke
    && deletes.every((del) => (del.complete !== null && del.complete < creation.invoke) || del.invoke > scan.complete!));
}

/** An acknowledged write that leaves its keys present: a SET that wrote, an MSET, an INCR. */
function created(entry: HistoryEntry): boolean {
  if (!completedOk(entry)) return false;
  return entry.result.type !== "set" || entry.result.written;
}

/** A DEL of one key that answered 0 removed nothing. */
function deletedNothing(entry: HistoryEntry): boolean {
  return keysOf(entry.op).length === 1 && entry.result.type === "count" && entry.result.count === 0;
}

function push(map: Map<string, HistoryEntry[]>, key: string, entry: HistoryEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}
