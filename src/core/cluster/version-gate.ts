// Which writes may replace what a node holds: only a newer version of a key (txid.ts). Commits,
// a learner's applies and catch-up entries can reach a node in any order — a catch-up stream may
// carry a key that a later commit has already overwritten — so each is let through only if it is
// newer than both the stored version and any version already on its way to disk (persists become
// durable in the order they are issued, so the newest claimed is the one that ends up stored).

import { keyString } from "./key-string.js";
import { isNewer } from "./txid.js";
import type { Bytes, DataView, TxnId } from "./types.js";

export class VersionGate {
  /** The newest version of each key on its way to disk. */
  readonly #pending = new Map<string, TxnId>();

  constructor(private readonly data: DataView) {}

  /** True, and `version` is now the key's pending one, when it is newer than what the node holds or is writing. */
  claim(key: Bytes, version: TxnId): boolean {
    const name = keyString(key);
    const current = this.#pending.get(name) ?? this.data.version(key);
    if (!isNewer(version, current)) return false;
    this.#pending.set(name, version);
    return true;
  }

  /**
   * A repair's claim (repair-participant.ts): true, and `version` is now pending, only while the key
   * holds exactly `expected` (undefined: nothing) with nothing on its way to disk, and `version` is
   * not older than it. Unlike claim(), it may rewrite a version in place (a damaged value).
   */
  claimUnchanged(key: Bytes, version: TxnId, expected: TxnId | undefined): boolean {
    const name = keyString(key);
    if (this.#pending.has(name) || this.data.version(key) !== expected) return false;
    if (isNewer(expected ?? version, version)) return false;
    this.#pending.set(name, version);
    return true;
  }

  /** True when the key's tombstone at `version` is what the node holds, nothing newer on its way: it may be collected. */
  collectable(key: Bytes, version: TxnId): boolean {
    return (this.#pending.get(keyString(key)) ?? this.data.version(key)) === version;
  }

  /** Those versions are durable: the store answers for them now. */
  settle(entries: ReadonlyArray<{ key: Bytes; version: TxnId }>): void {
    for (const { key, version } of entries) {
      const name = keyString(key);
      if (this.#pending.get(name) === version) this.#pending.delete(name);
    }
  }

  /** Keys with a version on its way to disk (bounded by the writes in flight). */
  get pendingCount(): number {
    return this.#pending.size;
  }
}
