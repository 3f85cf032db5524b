// Shapes and sizes of the messages on the cluster link, checked where a link receives them,
// before any reaches a machine: a message of an unknown type, a field of the wrong type, a key or
// value over the limits, more writes or keys than one request may carry. The machines trust what
// they are fed (a 3,000-byte key in a prepare would fail the node's store at commit); a link that
// sends anything else is closed, and the process carries on.
// Fields a message does not need are ignored, so that a newer peer may add some.

import { SCAN_CHUNK_BYTES_MAX } from "../core/cluster/catch-up-participant.js";
import { REPAIR_RANGES } from "../core/cluster/range-digest.js";
import type { CoordinatorToNode, NodeToCoordinator } from "../core/cluster/types.js";
import type { Limits } from "../shared/limits.js";
import type { NodeFactsMessage } from "../observability/node-facts.js";

export type MessageLimits = Pick<Limits, "keyBytesMax" | "valueBytesMax" | "keysPerCommandMax">;

/** Longest transaction id ("epoch.seq") and refusal or vote reason, in characters. */
const TXID_LENGTH_MAX = 64;
/** Longest version string a node reports about itself. */
const VERSION_LENGTH_MAX = 64;
const REASON_LENGTH_MAX = 4096;
/** More partitions than any ring has (ring.ts makes 1024). */
const PARTITIONS_MAX = 65_536;

type FieldCheck = (value: unknown, limits: MessageLimits) => string | undefined;
type MessageShape = Readonly<Record<string, FieldCheck>>;

const counter: FieldCheck = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0 ? undefined : `must be a non-negative integer, got ${describe(value)}`;
const flag: FieldCheck = (value) => (typeof value === "boolean" ? undefined : `must be a boolean, got ${describe(value)}`);
const txid: FieldCheck = (value) => text(value, TXID_LENGTH_MAX);
const reason: FieldCheck = (value) => text(value, REASON_LENGTH_MAX);
const key: FieldCheck = (value, limits) => bytes(value, limits.keyBytesMax);
const value: FieldCheck = (candidate, limits) => (candidate === null ? undefined : bytes(candidate, limits.valueBytesMax));

function text(candidate: unknown, lengthMax: number): string | undefined {
  if (typeof candidate !== "string") return `must be a string, got ${describe(candidate)}`;
  return candidate.length <= lengthMax ? undefined : `is ${candidate.length} characters, the limit is ${lengthMax}`;
}

function bytes(candidate: unknown, bytesMax: number): string | undefined {
  if (!(candidate instanceof Uint8Array)) return `must be bytes, got ${describe(candidate)}`;
  return candidate.length <= bytesMax ? undefined : `is ${candidate.length} bytes, the limit is ${bytesMax}`;
}

/** A list of at most `itemsMax` items (by default keysPerCommandMax), each checked by `item`. */
function list(item: FieldCheck, itemsMax?: number): FieldCheck {
  return (candidate, limits) => {
    if (!Array.isArray(candidate)) return `must be a list, got ${describe(candidate)}`;
    const lengthMax = itemsMax ?? limits.keysPerCommandMax;
    if (candidate.length > lengthMax) return `has ${candidate.length} items, the limit is ${lengthMax}`;
    for (let i = 0; i < candidate.length; i++) {
      const problem = item(candidate[i], limits);
      if (problem !== undefined) return `[${i}] ${problem}`;
    }
    return undefined;
  };
}

function record(shape: MessageShape): FieldCheck {
  const fields = Object.entries(shape); // once: a record check runs once per write of a large prepare
  return (candidate, limits) => fieldsProblem(candidate, fields, limits);
}

const write = record({ key, value });
const optionalKey: FieldCheck = (candidate, limits) => (candidate === null ? undefined : key(candidate, limits));
/** Catch-up entries come in chunks of about SCAN_CHUNK_BYTES_MAX bytes; each takes at least one. */
const entries = list(record({ key, version: txid, value }), SCAN_CHUNK_BYTES_MAX + 1);
/** Partition numbers: a scan names at most every partition of the ring. */
const partitions = list(counter, PARTITIONS_MAX);
const EXISTS_FIELDS: Array<[string, FieldCheck]> = [["exists", flag]];
/** Repair (repair.ts): numbers that are 32-bit hashes, range digests, key summaries and fixes. */
const hash32: FieldCheck = (candidate) =>
  Number.isInteger(candidate) && (candidate as number) >= 0 && (candidate as number) <= 0xffff_ffff ? undefined : `must be a 32-bit hash, got ${describe(candidate)}`;
const optionalHash: FieldCheck = (candidate, limits) => (candidate === null ? undefined : hash32(candidate, limits));
const optionalTxid: FieldCheck = (candidate, limits) => (candidate === null ? undefined : txid(candidate, limits));
/** Every range of every partition of the largest ring, at most (range-digest.ts REPAIR_RANGES). */
const rangeDigests = list(record({ partition: counter, range: counter, keys: counter, hashA: hash32, hashB: hash32 }), PARTITIONS_MAX * REPAIR_RANGES);
const rangeCodes = list(counter, PARTITIONS_MAX * REPAIR_RANGES);
const optionalFlag: FieldCheck = (candidate, limits) => (candidate === undefined ? undefined : flag(candidate, limits));
/** A read reply's positions of damaged records: absent when there are none. */
const positions = list(counter);
const optionalPositions: FieldCheck = (candidate, limits) => (candidate === undefined ? undefined : positions(candidate, limits));
const summaries = list(record({ key, version: txid, valueHash: optionalHash, damaged: optionalFlag }), SCAN_CHUNK_BYTES_MAX + 1);
const fixes = list(record({
  entry: record({ key, version: txid, value }), expectVersion: optionalTxid, expectHash: optionalHash, expectDamaged: optionalFlag,
}), SCAN_CHUNK_BYTES_MAX + 1);

const previous: FieldCheck = (candidate, limits) => {
  const problem = fieldsProblem(candidate, EXISTS_FIELDS, limits);
  const held = (candidate as { value?: unknown } | null)?.value;
  const valueProblem = held === undefined ? undefined : bytes(held, limits.valueBytesMax);
  return problem ?? (valueProblem === undefined ? undefined : `value ${valueProblem}`);
};

const TO_NODE: Readonly<Record<CoordinatorToNode["type"], MessageShape>> = {
  prepare: { txid, writes: list(write), wantValues: flag },
  commit: { txid },
  commitOne: { txid, writes: list(write) },
  abort: { txid },
  read: { readId: counter, keys: list(key) },
  count: { countId: counter },
  countPartitions: { countId: counter, partitions, partitionCount: counter, after: optionalKey },
  apply: { txid, writes: list(write) },
  scan: { scanId: counter, partitions, partitionCount: counter, after: optionalKey, bytesMax: counter },
  catchUp: { catchUpId: counter, entries },
  collect: { collectId: counter, partitions, partitionCount: counter, before: txid, after: optionalKey },
  digest: { digestId: counter, partitions, partitionCount: counter, after: optionalKey, bytesMax: counter },
  summarize: { summaryId: counter, ranges: rangeCodes, partitionCount: counter, after: optionalKey, bytesMax: counter },
  fetch: { fetchId: counter, keys: list(key) },
  fix: { fixId: counter, fixes },
  drop: { dropId: counter, partitions, partitionCount: counter, after: optionalKey },
  ping: { tick: counter },
};

/** What a storage node may send besides its machine's messages: its facts, for the coordinator's process (node-facts.ts). */
type NodeLinkMessage = NodeToCoordinator | NodeFactsMessage;

const TO_COORDINATOR: Readonly<Record<Exclude<NodeLinkMessage["type"], "vote">, MessageShape>> = {
  ack: { txid },
  inquire: { txid },
  readReply: { readId: counter, values: list(value), damaged: optionalPositions },
  countReply: { countId: counter, keys: counter },
  partitionsCounted: { countId: counter, keys: counter, next: optionalKey },
  applied: { txid },
  scanChunk: { scanId: counter, entries, next: optionalKey },
  caughtUp: { catchUpId: counter },
  collected: { collectId: counter, next: optionalKey },
  digestChunk: { digestId: counter, ranges: rangeDigests, next: optionalKey, bytes: counter },
  summaryChunk: { summaryId: counter, keys: summaries, next: optionalKey, bytes: counter },
  fetched: { fetchId: counter, entries, looked: counter },
  fixed: { fixId: counter, fixed: counter },
  dropped: { dropId: counter, next: optionalKey },
  pong: { tick: counter },
  facts: { keys: counter, dataBytes: counter, version: (candidate) => text(candidate, VERSION_LENGTH_MAX), uptimeSeconds: counter },
  expired: { keys: list(key) },
};
const YES_VOTE: MessageShape = { txid, yes: flag, previous: list(previous) };
const NO_VOTE: MessageShape = { txid, yes: flag, reason };

/** Why `raw` is not a message the coordinator may send a storage node; undefined if it is one. */
export function coordinatorMessageProblem(raw: unknown, limits: MessageLimits): string | undefined {
  return messageProblem(raw, (type) => (Object.hasOwn(TO_NODE, type) ? TO_NODE[type as keyof typeof TO_NODE] : undefined), limits);
}

/** Why `raw` is not a message a storage node may send the coordinator; undefined if it is one. */
export function nodeMessageProblem(raw: unknown, limits: MessageLimits): string | undefined {
  return messageProblem(raw, (type) => {
    if (type === "vote") return (raw as { yes?: unknown }).yes === true ? YES_VOTE : NO_VOTE;
    return Object.hasOwn(TO_COORDINATOR, type) ? TO_COORDINATOR[type as keyof typeof TO_COORDINATOR] : undefined;
  }, limits);
}

function messageProblem(raw: unknown, shapeOf: (type: string) => MessageShape | undefined, limits: MessageLimits): string | undefined {
  if (!isPlainObject(raw)) return `a message must be a map, got ${describe(raw)}`;
  const type = raw.type;
  if (typeof type !== "string") return `a message needs a type, got ${describe(type)}`;
  const shape = shapeOf(type);
  if (shape === undefined) return `unknown message type ${JSON.stringify(type.slice(0, 32))}`;
  const problem = fieldsProblem(raw, Object.entries(shape), limits);
  return problem === undefined ? undefined : `${type}: ${problem}`;
}

function fieldsProblem(candidate: unknown, fields: ReadonlyArray<[string, FieldCheck]>, limits: MessageLimits): string | undefined {
  if (!isPlainObject(candidate)) return `must be a map, got ${describe(candidate)}`;
  for (const [name, check] of fields) {
    const problem = check(candidate[name], limits);
    if (problem !== undefined) return `${name} ${problem}`;
  }
  return undefined;
}

function isPlainObject(candidate: unknown): candidate is Record<string, unknown> {
  return typeof candidate === "object" && candidate !== null && !Array.isArray(candidate) && !(candidate instanceof Uint8Array);
}

function describe(candidate: unknown): string {
  if (candidate === null) return "null";
  if (Array.isArray(candidate)) return "a list";
  if (candidate instanceof Uint8Array) return "bytes";
  return typeof candidate;
}
