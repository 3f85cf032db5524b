// Damage to replicas' disks that no machine wrote, for the repair check: after the final heal, a
// few keys each get an older copy back on one replica (a deletion undone, an old value returned),
// or a value whose record fails its checksum (unreadable: the replica answers reads of it "damaged
// here"), or — with three replicas or more, where a majority can tell — lose it or have it damaged in
// place at the same version. Only one replica of a key is touched, so the others still hold the truth;
// a repair round must bring the damaged copy back before the final read and the convergence check
// look. Drawn from the run's seed.

import { keyString } from "../core/cluster/key-string.js";
import type { NodeId } from "../core/cluster/types.js";
import type { Prng } from "./prng.js";
import { textToEntry } from "./entry-text.js";
import type { ParticipantDurable } from "./sim-disk.js";
import { textToBytes } from "./trace.js";

/** Older than any transaction's version (epochs start at 1). */
const ANCIENT_VERSION = "0.1";

export type RotKind = "lost" | "older" | "damaged" | "unreadable";

export interface Rot {
  key: string;
  node: NodeId;
  kind: RotKind;
}

/**
 * Damages `count` distinct keys, each on one of `replicasOf(key)` that holds it (a value or a
 * tombstone). "lost" and "damaged" only with `replicas` ≥ 3: with two, no majority tells which of
 * the two copies is right (range-digest.ts bestEntry). Returns what it did.
 */
export function rot(
  prng: Prng, keys: readonly string[], count: number, replicas: number,
  replicasOf: (key: string) => NodeId[], disks: ReadonlyMap<NodeId, ParticipantDurable>,
): Rot[] {
  const done: Rot[] = [];
  // Only keys every replica holds at one version (a value or a tombstone): the others keep the
  // evidence. A tombstone already collected on some replicas leaves none: damage then could not be
  // told from a deletion (range-digest.ts bestEntry leaves such a key alone and reports it).
  const versionsOf = (key: string) => replicasOf(key).map((node) => disks.get(node)?.versions.get(keyString(textToBytes(key))));
  const candidates = keys.filter((key) => {
    const [first, ...others] = versionsOf(key);
    return first !== undefined && others.every((version) => version === first);
  });
  // A copy lost on one of two replicas, or damaged in place there, cannot be told from the other;
  // one that fails its checksum can (it is never taken for the right one).
  const kinds: RotKind[] = replicas >= 3 ? ["lost", "older", "damaged", "unreadable"] : ["older", "unreadable"];
  // Deleted keys are picked first half the time: a deletion undone on one replica is the damage a
  // repair most easily gets wrong (it must carry tombstones, not only values).
  const deleted = (key: string) => replicasOf(key).every((node) => disks.get(node)?.data.has(keyString(textToBytes(key))) === false);
  while (done.length < count && candidates.length > 0) {
    const tombstones = candidates.filter(deleted);
    const pool = tombstones.length > 0 && prng.chance(0.5) ? tombstones : candidates;
    const key = pool[prng.int(0, pool.length - 1)]!;
    candidates.splice(candidates.indexOf(key), 1);
    const name = keyString(textToBytes(key));
    const holders = replicasOf(key);
    const node = holders[prng.int(0, holders.length - 1)]!;
    const disk = disks.get(node)!;
    const drawn = kinds[prng.int(0, kinds.length - 1)]!;
    // Only a value has a record to fail its checksum (a tombstone is a version alone).
    const kind = drawn === "unreadable" && !disk.data.has(name) ? "older" : drawn;
    if (kind === "lost") {
      disk.data.delete(name);
      disk.versions.delete(name);
    } else if (kind === "older") {
      // The value before its latest write back (a deletion undone, an overwrite undone), at an older version.
      const before = disk.overwritten.get(name);
      if (before === undefined) disk.data.delete(name);
      else disk.data.set(name, before);
      disk.versions.set(name, ANCIENT_VERSION);
    } else if (kind === "unreadable") {
      // Other bytes too, so that a copy never mended fails the convergence check as well.
      disk.data.set(name, textToEntry(`rot:${key}`));
      disk.unreadable.add(name);
    } else {
      disk.data.set(name, textToEntry(`rot:${key}`));
    }
    done.push({ key, node, kind });
  }
  return done;
}
