// A history: what each client asked, when, and what it was told. The checkers read nothing else,
// so the same checks run on a simulated run and on a history written by tests of real processes.
//
// JSONL format (one op per line; `ringkv check FILE` reads it):
//   {"client":"c1","invoke":1000,"complete":1500,"op":{...},"result":{...}}
// - client: any string naming the client (one request at a time per client).
// - invoke, complete: numbers on one clock (the simulator writes microseconds); complete is null
//   when the client never learned the outcome. An op that completes at the same instant another is
//   invoked counts as concurrent with it.
// - op, one of:
//     {"f":"get","keys":["k1",...]}                      GET / MGET
//     {"f":"exists","keys":["k1",...]}                   EXISTS
//     {"f":"set","key":"k1","value":"v","condition":"NX"|"XX","get":true}   (condition, get optional)
//     {"f":"mset","pairs":[["k1","v1"],["k2","v2"]]}
//     {"f":"del","keys":["k1",...]}
//     {"f":"incr","key":"n1"}                            INCR (read-modify-write)
//     {"f":"scan","partitions":[3,17],"of":64}           SCAN of every key of these partitions of a ring of `of`
// - result, one of:
//     {"type":"values","values":["v1",null]}   get: one value (or null) per key
//     {"type":"count","count":1}                exists, del; incr: the value it set
//     {"type":"set","written":true,"previous":"v0"|null}   set (previous only with get)
//     {"type":"ok"}                             mset
//     {"type":"keys","keys":["k1",...]}         scan: the keys it returned, in order (repeats allowed)
//     {"type":"error","error":"TRYAGAIN ..."}   a failure that certainly changed nothing
//     {"type":"unknown","error":"TIMEOUT ..."}  may or may not have taken effect
// Keys and values are strings; writes should use values unique per write so that a read tells
// which write it saw.

export type HistoryOp =
  | { f: "get"; keys: string[] }
  | { f: "exists"; keys: string[] }
  | { f: "set"; key: string; value: string; condition?: "NX" | "XX"; get?: boolean }
  | { f: "mset"; pairs: Array<[string, string]> }
  | { f: "del"; keys: string[] }
  | { f: "incr"; key: string }
  | { f: "scan"; partitions: number[]; of: number };

export type HistoryResult =
  | { type: "values"; values: Array<string | null> }
  | { type: "count"; count: number }
  | { type: "set"; written: boolean; previous?: string | null }
  | { type: "ok" }
  | { type: "keys"; keys: string[] }
  | { type: "error"; error: string }
  | { type: "unknown"; error: string };

export interface HistoryEntry {
  client: string;
  invoke: number;
  complete: number | null;
  op: HistoryOp;
  result: HistoryResult;
}

/** True when the op ran to a known outcome (not failed, not unknown). */
export function completedOk(entry: HistoryEntry): boolean {
  return entry.result.type !== "error" && entry.result.type !== "unknown";
}

/** Keys an op touches, in its own order (a scan names none: it looks at whatever its partitions hold). */
export function keysOf(op: HistoryOp): string[] {
  switch (op.f) {
    case "set": case "incr": return [op.key];
    case "mset": return op.pairs.map(([key]) => key);
    case "scan": return [];
    default: return op.keys;
  }
}

export function isWrite(op: HistoryOp): boolean {
  return op.f === "set" || op.f === "mset" || op.f === "del" || op.f === "incr";
}

export function historyToJsonl(entries: readonly HistoryEntry[]): string {
  return entries.map((entry) => JSON.stringify(entry)).join("\n") + (entries.length > 0 ? "\n" : "");
}

/** Parses JSONL text; throws an Error naming the line and what was wrong. Blank lines are skipped. */
export function historyFromJsonl(text: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new Error(`history line ${index + 1}: not JSON: ${(error as Error).message}`, { cause: error });
    }
    try {
      entries.push(parseEntry(parsed));
    } catch (error) {
      throw new Error(`history line ${index + 1}: ${(error as Error).message}`, { cause: error });
    }
  });
  return entries;
}

type Json = Record<string, unknown>;

function parseEntry(value: unknown): HistoryEntry {
  const entry = asObject(value, "entry");
  const client = entry.client;
  if (typeof client !== "string") throw new Error(`"client" must be a string, got ${JSON.stringify(client)}`);
  const invoke = asNumber(entry.invoke, "invoke");
  const complete = entry.complete === null || entry.complete === undefined ? null : asNumber(entry.complete, "complete");
  if (complete !== null && complete < invoke) throw new Error(`"complete" ${complete} is before "invoke" ${invoke}`);
  const op = parseOp(asObject(entry.op, "op"));
  const result = parseResult(asObject(entry.result, "result"));
  checkResultFits(op, result);
  return { client, invoke, complete, op, result };
}

function parseOp(op: Json): HistoryOp {
  switch (op.f) {
    case "get":
    case "exists":
    case "del":
      return { f: op.f, keys: asStrings(op.keys, `${op.f}.keys`) };
    case "set": {
      const parsed: HistoryOp = { f: "set", key: asString(op.key, "set.key"), value: asString(op.value, "set.value") };
      if (op.condition !== undefined) {
        if (op.condition !== "NX" && op.condition !== "XX") throw new Error(`set.condition must be "NX" or "XX", got ${JSON.stringify(op.condition)}`);
        parsed.condition = op.condition;
      }
      if (op.get !== undefined) parsed.get = op.get === true;
      return parsed;
    }
    case "incr":
      return { f: "incr", key: asString(op.key, "incr.key") };
    case "mset": {
      if (!Array.isArray(op.pairs) || op.pairs.length === 0) throw new Error("mset.pairs must be a non-empty array");
      const pairs = op.pairs.map((pair: unknown): [string, string] => {
        if (!Array.isArray(pair) || pair.length !== 2) throw new Error("mset.pairs must hold [key, value] pairs");
        return [asString(pair[0], "mset key"), asString(pair[1], "mset value")];
      });
      return { f: "mset", pairs };
    }
    case "scan": {
      const of = asNumber(op.of, "scan.of");
      if (!Array.isArray(op.partitions) || op.partitions.length === 0) throw new Error("scan.partitions must be a non-empty array");
      const partitions = op.partitions.map((partition: unknown) => asNumber(partition, "scan partition"));
      if (!Number.isInteger(of) || of < 1 || partitions.some((partition) => !Number.isInteger(partition) || partition < 0 || partition >= of)) {
        throw new Error(`scan.partitions must be partitions of a ring of scan.of (${of}), got ${JSON.stringify(op.partitions)}`);
      }
      return { f: "scan", partitions, of };
    }
    default:
      throw new Error(`op.f must be get, exists, set, mset, del, incr or scan, got ${JSON.stringify(op.f)}`);
  }
}

function parseResult(result: Json): HistoryResult {
  switch (result.type) {
    case "values": {
      if (!Array.isArray(result.values)) throw new Error("result.values must be an array");
      const values = result.values.map((value: unknown) => (value === null ? null : asString(value, "result value")));
      return { type: "values", values };
    }
    case "count":
      return { type: "count", count: asNumber(result.count, "result.count") };
    case "set": {
      if (typeof result.written !== "boolean") throw new Error("result.written must be a boolean");
      const parsed: HistoryResult = { type: "set", written: result.written };
      if (result.previous !== undefined) parsed.previous = result.previous === null ? null : asString(result.previous, "result.previous");
      return parsed;
    }
    case "ok":
      return { type: "ok" };
    case "keys":
      if (!Array.isArray(result.keys)) throw new Error("result.keys must be an array");
      return { type: "keys", keys: result.keys.map((key: unknown) => asString(key, "result key")) };
    case "error":
    case "unknown":
      return { type: result.type, error: typeof result.error === "string" ? result.error : "" };
    default:
      throw new Error(`result.type must be values, count, set, ok, keys, error or unknown, got ${JSON.stringify(result.type)}`);
  }
}

/** A result of the wrong shape for its op is a malformed history, not a linearizability failure: throws. */
export function checkResultFits(op: HistoryOp, result: HistoryResult): void {
  if (result.type === "error" || result.type === "unknown") return;
  const expected = { get: "values", exists: "count", del: "count", set: "set", mset: "ok", incr: "count", scan: "keys" }[op.f];
  if (result.type !== expected) throw new Error(`a ${op.f} op needs a "${expected}" result, got "${result.type}"`);
  if (result.type === "values" && result.values.length !== keysOf(op).length) {
    throw new Error(`get of ${keysOf(op).length} keys returned ${result.values.length} values`);
  }
}

function asObject(value: unknown, name: string): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`"${name}" must be an object`);
  return value as Json;
}

function asNumber(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`"${name}" must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

function asString(value: unknown, name: string): string {
  if (typeof value !== "string") throw new Error(`${name} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function asStrings(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${name} must be a non-empty array of strings`);
  return value.map((item: unknown) => asString(item, name));
}

/** One line for a person: `c1 [1000..1500] set k1 "v1" NX -> written`. */
export function describeEntry(entry: HistoryEntry): string {
  const complete = entry.complete === null ? "?" : String(entry.complete);
  return `${entry.client} [${entry.invoke}..${complete}] ${describeOp(entry.op)} -> ${describeResult(entry.result)}`;
}

function describeOp(op: HistoryOp): string {
  switch (op.f) {
    case "set":
      return `set ${op.key} ${JSON.stringify(op.value)}${op.condition ? ` ${op.condition}` : ""}${op.get ? " GET" : ""}`;
    case "mset":
      return `mset ${op.pairs.map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(" ")}`;
    case "incr":
      return `incr ${op.key}`;
    case "scan":
      return `scan partitions ${op.partitions.join(",")} of ${op.of}`;
    default:
      return `${op.f} ${op.keys.join(" ")}`;
  }
}

function describeResult(result: HistoryResult): string {
  switch (result.type) {
    case "values": return JSON.stringify(result.values);
    case "count": return String(result.count);
    case "set": return `${result.written ? "written" : "not written"}${result.previous !== undefined ? ` previous=${JSON.stringify(result.previous)}` : ""}`;
    case "ok": return "OK";
    case "keys": return JSON.stringify(result.keys);
    case "error": return `error ${result.error}`;
    case "unknown": return `unknown ${result.error}`;
  }
}

/** Collects a run's history as it happens: an entry at each call, completed in place at its answer. */
export class HistoryRecorder {
  readonly entries: HistoryEntry[] = [];

  /** `entriesMax` bounds the history; a run that makes more requests than that is a runaway. */
  constructor(private readonly entriesMax: number) {}

  invoke(client: string, atUs: number, op: HistoryOp): HistoryEntry {
    if (this.entries.length >= this.entriesMax) throw new Error(`history: more than ${this.entriesMax} requests`);
    const entry: HistoryEntry = { client, invoke: atUs, complete: null, op, result: { type: "unknown", error: "no answer yet" } };
    this.entries.push(entry);
    return entry;
  }

  /** An unknown outcome keeps `complete` null: the client never learned when (or whether) it took effect. */
  complete(entry: HistoryEntry, atUs: number, result: HistoryResult): void {
    entry.result = result;
    entry.complete = result.type === "unknown" ? null : atUs;
  }
}
