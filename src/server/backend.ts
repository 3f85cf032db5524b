// What the RESP front end needs from whatever stores the data: a standalone storage node
// (src/storage engine) or the cluster coordinator. The front end parses, validates arity
// and limits, and formats replies; the backend does the work. Every method either returns
// a result or fails with a RingkvError whose code becomes the RESP error prefix.
//
// Methods may answer synchronously (a plain value, or a synchronous throw) or with a
// Promise. A backend that can answer from memory (a cache hit, an in-memory read) should
// return the value directly: the front end then encodes the reply in the same pass as the
// request, without allocating a promise or a pending-request record per command.

import type { Command, CommandReply } from "../core/commands/index.js";
import type { ScanOptions } from "../core/commands/scan-options.js";

export type Bytes = Buffer;

/** A value, or a promise of it: backends answer synchronously when they can. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * WATCH's mark on a key: set dirty when a command changes the key after WATCH (an expiry that
 * had already happened by then is no change), or when the deadline the key had then passes.
 */
export interface WatchHandle {
  readonly key: Bytes;
  dirty: boolean;
  /** The key's deadline at WATCH time, if it had one and had not passed. */
  readonly expiresAtMs: number | undefined;
}

export interface CommandOptions {
  /** EXEC: answer a nil array and change nothing when one of these is dirty. */
  watched?: readonly WatchHandle[];
}

/** SCAN's answer: the next cursor (0: done) and the keys of this page. */
export interface ScanPage {
  cursor: bigint;
  keys: Bytes[];
}

/** INFO sections the backend contributes: section name -> field -> value. */
export type InfoSections = Record<string, Record<string, string | number>>;

export interface Backend {
  /**
   * Runs one command of src/core/commands (EXEC included) atomically: the reply comes once its
   * writes are durable. A backend that cannot run a kind of command answers an error reply.
   */
  command(command: Command, options?: CommandOptions): MaybePromise<CommandReply>;
  /** WATCH: marks that turn dirty when the keys change (absent: WATCH is not supported). */
  watch?(keys: Bytes[]): WatchHandle[];
  /** Drops marks made by watch() (UNWATCH, EXEC, DISCARD, a closed connection). */
  unwatch?(handles: readonly WatchHandle[]): void;
  /** A page of SCAN from `cursor` (absent: SCAN and KEYS are not supported). */
  scan?(cursor: bigint, options: ScanOptions): MaybePromise<ScanPage>;
  /** Every key matching the glob pattern (KEYS); refuses more than REPLY_LIMITS.elementsMax. */
  keys?(pattern: Bytes): MaybePromise<Bytes[]>;
  /** A random live key, or null when there is none. */
  randomKey?(): MaybePromise<Bytes | null>;
  /** Deletes every key in one atomic, durable write (FLUSHDB/FLUSHALL). */
  flush?(): MaybePromise<void>;
  dbsize(): MaybePromise<number>;
  /** The key count INFO shows, where an exact one is costly (it may be a little old); defaults to dbsize(). */
  infoKeyCount?(): MaybePromise<number>;
  /**
   * Sections for INFO (e.g. persistence, keyspace, memory, stats, cluster). A section the
   * front end also writes (server, clients, stats, persistence, memory) is merged into it;
   * `stats.keyspace_hits` / `stats.keyspace_misses` are shown when the backend gives them.
   */
  info(): InfoSections;
  /** Extra commands a backend answers (e.g. the coordinator's cluster views). */
  extraCommands?(): ExtraCommand[];
}

/** Where the keys are in a command's arguments (Redis's first/last/step; 0 = no keys). */
export interface KeyPositions {
  /** Index of the first key (1 = the first argument after the name). */
  first: number;
  /** Index of the last key; negative counts from the end (-1 = the last argument). */
  last: number;
  /** Distance between keys (2 for key value key value ...). */
  step: number;
}

export interface ExtraCommand {
  /** Command name in lower case. */
  name: string;
  /** Redis arity convention: N = exactly N args including the name, -N = at least N. */
  arity: number;
  summary: string;
  /** A write changes data: the front end orders it after earlier requests on the same keys. */
  write: boolean;
  /** Key positions, for ordering, limits and COMMAND INFO; omit for a command without keys. */
  keys?: KeyPositions;
  run(args: Bytes[]): MaybePromise<ReplyValue>;
}

/** A reply a backend command can return; the front end encodes it for RESP2 or RESP3. */
export type ReplyValue =
  | null
  | number
  | string // sent as a bulk string
  | Bytes
  | { simple: string }
  | ReplyValue[]
  | Map<string, ReplyValue>
  | CommandReply;
