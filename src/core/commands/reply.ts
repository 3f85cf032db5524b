// What a command answers, at the level of RESP's types, with no encoding: the front end (or the
// coordinator) turns it into RESP2 or RESP3 bytes. Where Redis answers differently in the two
// protocols the value says which shape it is (a map is a flat array in RESP2; a missing array
// is `*-1` in RESP2), and the encoder picks.

export type CommandReply =
  | { kind: "integer"; value: bigint | number }
  | { kind: "bulk"; value: Uint8Array }
  /** A missing value: RESP2 `$-1`, RESP3 `_`. */
  | { kind: "nil" }
  /** A missing array (EXEC aborted by WATCH): RESP2 `*-1`, RESP3 `_`. */
  | { kind: "nilArray" }
  | { kind: "status"; text: string }
  /** `code` is the first word Redis sends (ERR, WRONGTYPE, EXECABORT); `message` the rest. */
  | { kind: "error"; code: string; message: string }
  | { kind: "array"; items: CommandReply[] }
  /** RESP3 `%`; RESP2 sends the pairs as one flat array. */
  | { kind: "map"; entries: Array<[CommandReply, CommandReply]> }
  /** Pairs that may repeat (HRANDFIELD ... WITHVALUES): RESP3 an array of 2-element arrays, RESP2 one flat array. */
  | { kind: "pairs"; entries: Array<[CommandReply, CommandReply]> };

export type ErrorReply = Extract<CommandReply, { kind: "error" }>;

const encoder = new TextEncoder();

export const OK_REPLY: CommandReply = Object.freeze({ kind: "status", text: "OK" });
export const NIL: CommandReply = Object.freeze({ kind: "nil" });
export const NIL_ARRAY: CommandReply = Object.freeze({ kind: "nilArray" });
export const EMPTY_ARRAY: CommandReply = Object.freeze({ kind: "array", items: [] });

export function integer(value: bigint | number): CommandReply {
  return { kind: "integer", value };
}

export function bulk(value: Uint8Array | string): CommandReply {
  return { kind: "bulk", value: typeof value === "string" ? encoder.encode(value) : value };
}

/** A bulk string, or nil when there is no value. */
export function bulkOrNil(value: Uint8Array | null | undefined): CommandReply {
  return value === null || value === undefined ? NIL : { kind: "bulk", value };
}

export function status(text: string): CommandReply {
  return { kind: "status", text };
}

export function array(items: CommandReply[]): CommandReply {
  return { kind: "array", items };
}

export function errorReply(code: string, message: string): ErrorReply {
  return { kind: "error", code, message };
}

/** True for an error reply (parsers and executors return one in place of a value). */
export function isError(value: unknown): value is ErrorReply {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "error";
}

/** Redis's error texts, worded exactly as redis-server 7.0 words them. */
export const ERRORS = Object.freeze({
  syntax: () => errorReply("ERR", "syntax error"),
  notInteger: () => errorReply("ERR", "value is not an integer or out of range"),
  notFloat: () => errorReply("ERR", "value is not a valid float"),
  wrongType: () => errorReply("WRONGTYPE", "Operation against a key holding the wrong kind of value"),
  overflow: () => errorReply("ERR", "increment or decrement would overflow"),
  nanOrInfinity: () => errorReply("ERR", "increment would produce NaN or Infinity"),
  noSuchKey: () => errorReply("ERR", "no such key"),
  sameObject: () => errorReply("ERR", "source and destination objects are the same"),
  arity: (name: string) => errorReply("ERR", `wrong number of arguments for '${name}' command`),
  invalidExpireTime: (name: string) => errorReply("ERR", `invalid expire time in '${name}' command`),
  dbIndexOutOfRange: () => errorReply("ERR", "DB index is out of range"),
});
