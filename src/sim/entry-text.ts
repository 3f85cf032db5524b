// The simulated clients write strings as the coordinator's front end does: each value stored as a
// string entry (src/core/commands/entry.ts), so that INCR and the other commands that run over
// entries see what a real client's SET left. Text is latin1, one character per byte (trace.ts).

import { decodeEntry, encodeEntry } from "../core/commands/index.js";
import { bytesToText, textToBytes } from "./trace.js";

/** The stored bytes of a string value. */
export function textToEntry(text: string): Uint8Array {
  return encodeEntry({ kind: "string", value: textToBytes(text) });
}

/** The string a stored entry holds; a hash (no workload writes one) shows as its type. */
export function entryToText(bytes: Uint8Array): string {
  const entry = decodeEntry(bytes);
  return entry.kind === "string" ? bytesToText(entry.value) : `(hash of ${entry.fields.size} fields)`;
}
