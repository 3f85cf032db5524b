// The keys one command (or one EXEC) works on, as the command sees them while it runs: what each
// key held when the command started (an expired entry already counts as absent), then what the
// command's steps wrote. At the end, the writes to make durable, aligned with the plan's keys.
import { keyString } from "../cluster/key-string.js";
import { encodeEntry, isExpired, type Entry } from "./entry.js";
import { errorReply, type ErrorReply } from "./reply.js";
import type { Key } from "./types.js";

interface Slot {
  /** What the store held when the command started (possibly expired). */
  readonly stored: Entry | null;
  /** What the key holds now, for this command; null: absent. */
  entry: Entry | null;
  changed: boolean;
}

/** A moment of the view to go back to when a command fails half way. */
export type ViewMark = ReadonlyArray<readonly [Entry | null, boolean]>;

/** Up to this many planned keys, a key is first looked for by identity (the command's own key
 * objects are the plan's), which spares the common one-key command a Map and keyString(). */
const IDENTITY_SCAN_KEYS_MAX = 8;

export class KeyView {
  private readonly slots: Slot[] = [];
  /** keyString(key) -> slot, built on the first lookup that identity does not answer. */
  private byKey: Map<string, Slot> | undefined;

  constructor(
    private readonly keys: readonly Key[],
    current: ReadonlyArray<Entry | null>,
    private readonly nowMs: number,
    private readonly valueBytesMax: number,
  ) {
    if (keys.length !== current.length) throw new Error(`a command over ${keys.length} keys got ${current.length} entries`);
    for (const given of current) {
      const stored = given ?? null;
      this.slots.push({ stored, entry: stored !== null && isExpired(stored, nowMs) ? null : stored, changed: false });
    }
  }

  /** What the key holds (null: absent or expired). */
  get(key: Key): Entry | null {
    return this.slot(key).entry;
  }

  /** True when the store held an entry for the key whose deadline had passed. */
  heldExpired(key: Key): boolean {
    const slot = this.slot(key);
    return slot.stored !== null && isExpired(slot.stored, this.nowMs);
  }

  /**
   * Sets what the key holds (null deletes it; an entry whose deadline has passed deletes it
   * too). Refuses, changing nothing, an entry larger than the value limit.
   */
  put(key: Key, entry: Entry | null): ErrorReply | undefined {
    const slot = this.slot(key);
    if (entry !== null) {
      const refused = this.refuseValueBytes(BigInt(entryBytes(entry)), entry.kind === "string" ? "value" : "hash");
      if (refused) return refused;
    }
    slot.entry = entry !== null && isExpired(entry, this.nowMs) ? null : entry;
    slot.changed = true;
    return undefined;
  }

  /** The error for a value of `bytes` bytes when that is over the limit. */
  refuseValueBytes(bytes: bigint, what: "value" | "hash" = "value"): ErrorReply | undefined {
    return refuseOverValueLimit(bytes, this.valueBytesMax, what);
  }

  mark(): ViewMark {
    return this.slots.map((slot) => [slot.entry, slot.changed] as const);
  }

  restore(mark: ViewMark): void {
    mark.forEach(([entry, changed], index) => {
      const slot = this.slots[index] as Slot;
      slot.entry = entry;
      slot.changed = changed;
    });
  }

  /**
   * Per planned key: the entry to store, null to delete, undefined for no change. A write
   * command also deletes every key it touched whose entry had expired.
   */
  writes(write: boolean): Array<Entry | null | undefined> {
    return this.slots.map((slot) => {
      if (slot.changed) return slot.entry === null && slot.stored === null ? undefined : slot.entry;
      return write && slot.stored !== null && slot.entry === null ? null : undefined;
    });
  }

  private slot(key: Key): Slot {
    if (this.keys.length <= IDENTITY_SCAN_KEYS_MAX) {
      const index = this.keys.indexOf(key);
      if (index >= 0) return this.slots[index] as Slot;
    }
    const slot = this.slotsByName().get(keyString(key));
    if (slot === undefined) throw new Error("a command touched a key it did not plan");
    return slot;
  }

  private slotsByName(): Map<string, Slot> {
    if (this.byKey === undefined) {
      this.byKey = new Map();
      this.keys.forEach((key, index) => this.byKey?.set(keyString(key), this.slots[index] as Slot));
    }
    return this.byKey;
  }
}

/** The size an entry's value counts against the value limit: a string's bytes, a hash's encoding. */
function entryBytes(entry: Entry): number {
  return entry.kind === "string" ? entry.value.length : encodeEntry({ kind: "hash", fields: entry.fields }).length - 1;
}

/** The error for a value (or hash) of `bytes` bytes when that is over `valueBytesMax`. */
export function refuseOverValueLimit(bytes: bigint | number, valueBytesMax: number, what: "value" | "hash" = "value"): ErrorReply | undefined {
  if (BigInt(bytes) <= BigInt(valueBytesMax)) return undefined;
  return errorReply("ERR", `${what} is ${bytes} bytes, the limit is ${valueBytesMax} bytes`);
}
