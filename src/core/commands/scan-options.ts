// SCAN's and HSCAN's cursor and options, read as Redis reads them (scanGenericCommand).
import { parseInt64 } from "./int64.js";
import { token } from "./parse-support.js";
import { ERRORS, errorReply, type ErrorReply } from "./reply.js";

export interface ScanOptions {
  /** How many keys to look at (a hint, as in Redis). */
  count: number;
  /** Glob pattern; undefined for none (also for "*"). */
  match: Uint8Array | undefined;
  /** Only keys of this type ("string", "hash", ...), SCAN only. */
  type: string | undefined;
}

const UINT64_LIMIT = 1n << 64n;
export const SCAN_COUNT_DEFAULT = 10;

/** A cursor as strtoul reads it (a sign allowed, no leading space, within 64 bits); else "invalid cursor". */
export function parseScanCursor(arg: Uint8Array): bigint | ErrorReply {
  let text = "";
  for (const byte of arg) text += String.fromCharCode(byte);
  const match = /^([+-]?)([0-9]*)$/.exec(text);
  if (match === null) return errorReply("ERR", "invalid cursor");
  const magnitude = BigInt(match[2] || "0");
  if (magnitude >= UINT64_LIMIT) return errorReply("ERR", "invalid cursor");
  return match[1] === "-" && magnitude !== 0n ? UINT64_LIMIT - magnitude : magnitude;
}

/** COUNT n / MATCH pattern / TYPE name (TYPE only where `allowType`), in any order. */
export function parseScanOptions(options: Uint8Array[], allowType: boolean): ScanOptions | ErrorReply {
  const parsed: ScanOptions = { count: SCAN_COUNT_DEFAULT, match: undefined, type: undefined };
  for (let i = 0; i < options.length; i += 2) {
    const word = token(options[i] as Uint8Array);
    const value = options[i + 1];
    if (value === undefined) return ERRORS.syntax();
    if (word === "COUNT") {
      const count = parseInt64(value);
      if (count === null) return ERRORS.notInteger();
      if (count < 1n) return ERRORS.syntax();
      parsed.count = count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
    } else if (word === "MATCH") {
      parsed.match = value.length === 1 && value[0] === 0x2a ? undefined : value;
    } else if (word === "TYPE" && allowType) {
      parsed.type = token(value).toLowerCase();
    } else {
      return ERRORS.syntax();
    }
  }
  return parsed;
}
