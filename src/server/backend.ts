// What the RESP front end needs from whatever stores the data: a standalone storage node
// (src/storage engine) or the cluster coordinator. The front end parses, validates arity
// and limits, and formats replies; the backend does the work. Every method either returns
// a result or fails with a RingkvError whose code becomes the RESP error prefix.
//
// Methods may answer synchronously (a plain value, or a synchronous throw) or with a
// Promise. A backend that can answer from memory (a cache hit, an in-memory read) should
// return the value directly: the front end then encodes the reply in the same pass as the
// request, without allocating a promise or a pending-request record per command.

export type Bytes = Buffer;

/** A value, or a promise of it: backends answer synchronously when they can. */
export type MaybePromise<T> = T | Promise<T>;

export interface SetOptions {
  /** NX: write only if the key is absent; XX: only if present. */
  condition?: "NX" | "XX";
  /** GET: also return the value the key had before (null if none). */
  returnPrevious?: boolean;
}

export interface SetResult {
  /** False when NX/XX prevented the write. */
  written: boolean;
  /** The previous value, when returnPrevious was asked for. */
  previous?: Bytes | null;
}

/** INFO sections the backend contributes: section name -> field -> value. */
export type InfoSections = Record<string, Record<string, string | number>>;

export interface Backend {
  get(key: Bytes): MaybePromise<Bytes | null>;
  mget(keys: Bytes[]): MaybePromise<Array<Bytes | null>>;
  set(key: Bytes, value: Bytes, options: SetOptions): MaybePromise<SetResult>;
  /** Writes all pairs atomically (a later pair for the same key wins). */
  mset(pairs: Array<[Bytes, Bytes]>): MaybePromise<void>;
  /** Deletes atomically; resolves with how many of the keys existed. */
  del(keys: Bytes[]): MaybePromise<number>;
  /** How many of the keys exist (a key named twice counts twice, as in Redis). */
  exists(keys: Bytes[]): MaybePromise<number>;
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
  | Map<string, ReplyValue>;
