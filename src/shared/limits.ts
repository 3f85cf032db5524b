// Every bound of the server and the client library, named in one place (DESIGN.md §5). Units are
// named last. Defaults here; each process may override them from its configuration. Pure (the
// core imports it): no I/O, like everything in src/shared.

export interface Limits {
  /** Largest key accepted, in bytes (LMDB's own key limit in the lmdb package is about 2 KB). */
  keyBytesMax: number;
  /** Largest value accepted, in bytes. */
  valueBytesMax: number;
  /** Most elements in one RESP array (one command's arguments). */
  arrayLengthMax: number;
  /** Largest inline (telnet-style) command line, in bytes. */
  inlineBytesMax: number;
  /** Largest bulk string: a value plus room for framing of the command around it. */
  bulkBytesMax: number;
  /** Largest whole request (all arguments of one command), in bytes. */
  requestBytesMax: number;
  /** Most commands read but not yet answered on one connection before reading pauses. */
  pipelineDepthMax: number;
  /** Bytes of replies queued toward a slow reader before reading from it pauses. */
  replyBufferBytesMax: number;
  /** Most client connections at once; more are answered with an error and closed. */
  connectionsMax: number;
  /** Most keys in one multi-key command (MGET, MSET, DEL, EXISTS). */
  keysPerCommandMax: number;
  /** Deadline of one request, from arrival to reply, in milliseconds. */
  requestTimeoutMs: number;
  /** Before AUTH (when a password is set): most elements in one request (Redis allows 10). */
  unauthenticatedArrayLengthMax: number;
  /** Before AUTH: largest bulk string, in bytes (Redis allows 16 KiB). */
  unauthenticatedBulkBytesMax: number;
  /** After the server ends a connection (QUIT, a protocol error), how long it waits for the
   * client to close its side before dropping the connection. */
  closeLingerMs: number;
  /** A connection with nothing pending that sends nothing for this long is closed; 0: never. */
  idleTimeoutMs: number;
  /** When a password is set, a connection that has not authenticated this long after it opened is closed. */
  unauthenticatedTimeoutMs: number;
  /** A request whose first byte arrived this long ago and that is still not complete closes its connection. */
  halfSentRequestTimeoutMs: number;
  /** Bytes all client connections together may hold (requests being read or waiting, replies
   * not yet sent); past it the largest holders are disconnected (Redis's maxmemory-clients). */
  clientBuffersBytesMax: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  keyBytesMax: 1024,
  valueBytesMax: 1024 * 1024,
  arrayLengthMax: 1024 * 1024,
  inlineBytesMax: 64 * 1024,
  bulkBytesMax: 1024 * 1024 + 1024,
  requestBytesMax: 64 * 1024 * 1024,
  pipelineDepthMax: 1024,
  replyBufferBytesMax: 16 * 1024 * 1024,
  connectionsMax: 10_000,
  keysPerCommandMax: 100_000,
  requestTimeoutMs: 5_000,
  unauthenticatedArrayLengthMax: 10,
  unauthenticatedBulkBytesMax: 16 * 1024,
  closeLingerMs: 1_000,
  idleTimeoutMs: 300_000,
  unauthenticatedTimeoutMs: 10_000,
  halfSentRequestTimeoutMs: 30_000,
  clientBuffersBytesMax: 512 * 1024 * 1024,
});

// Limits are derived (DESIGN.md §4): the largest request the limits accept must fit every record
// it makes (a participant's prepare, the coordinator's decision, the committed writes, a
// learner's apply or catch-up of a key) and every message that carries one, so that no accepted
// input can fail where it is stored or sent. The records grow to fit the requests, not the other
// way round: a request's keys and values add up to at most requestBytesMax (the parser refuses
// more at once), in at most keysPerCommandMax writes.

/** Bytes of a request's arguments besides a SET's key and value: "SET" and its options (NX, GET). */
const REQUEST_FRAMING_BYTES = 16;
/** msgpack around one write of a record or message, at most: a 1-byte map header, the names
 * "key" and "value" (4 and 6 bytes), two bin headers of up to 5 bytes; a version string besides in
 * catch-up entries (a txid, up to 64 characters: see link-messages.ts). */
const WRITE_FRAMING_BYTES = 24 + 66;
/** Everything in a record or message besides its writes: its type and field names, a txid, and
 * the ids of the participants (up to 256 of up to CLUSTER_NAME_LIMITS.nodeIdLengthMax characters). */
const RECORD_FRAMING_BYTES = 32 * 1024;

/** Largest durable record a transaction may make: the largest request's keys and values, framed. */
export function recordBytesMax(limits: Limits): number {
  return limits.requestBytesMax + limits.keysPerCommandMax * WRITE_FRAMING_BYTES + RECORD_FRAMING_BYTES;
}

/** Largest frame on the cluster link once its handshake is done: a message carrying the largest record. */
export function linkFrameBytesMax(limits: Limits): number {
  return recordBytesMax(limits) + RECORD_FRAMING_BYTES;
}

/** Limits that may be 0, meaning "no limit". */
const ZERO_MEANS_NONE: ReadonlySet<keyof Limits> = new Set(["idleTimeoutMs"]);

/** Limits with overrides applied; throws on a value that is not a positive integer. */
export function makeLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    const least = ZERO_MEANS_NONE.has(name as keyof Limits) ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) {
      throw new RangeError(`limit ${name} must be ${least === 0 ? "a non-negative" : "a positive"} integer, got ${String(value)}`);
    }
  }
  // A bulk string must be able to carry the largest key or value, and a request a SET of both.
  limits.bulkBytesMax = Math.max(limits.bulkBytesMax, limits.valueBytesMax, limits.keyBytesMax);
  limits.requestBytesMax = Math.max(limits.requestBytesMax, limits.keyBytesMax + limits.valueBytesMax + REQUEST_FRAMING_BYTES);
  return limits;
}

/** Bounds of what one command may answer, where Redis would build a reply of any size. */
export const REPLY_LIMITS = Object.freeze({
  /** Most elements in one reply: HRANDFIELD with a negative count, KEYS, the keys SCAN looks at per call. */
  elementsMax: 1_000_000,
  /** SCAN cursors remembered at once (each holds one key); the oldest is forgotten first. */
  scanCursorsMax: 10_000,
  /** Keys WATCHed by one connection. */
  watchedKeysMax: 10_000,
  /** Commands queued by one MULTI. */
  transactionCommandsMax: 10_000,
});

/** Bounds of the background deletion of expired keys (a standalone node's sweep over its keys). */
export const EXPIRY_LIMITS = Object.freeze({
  /** Pause between two steps of the sweep. */
  sweepIntervalMs: 100,
  /** Keys one step looks at; the expired ones among them are deleted in one write. */
  sweepKeysPerStep: 1_000,
});

/** Bounds of the client library (and so of `ringkv cli` and `ringkv bench`). Each one is also
 * an option of the client; these are the defaults. The CLI's history and the load generator's
 * own caps live with them (src/cli/repl/history.ts, src/bench/bench-limits.ts). */
export const CLIENT_LIMITS = Object.freeze({
  /** Deadline to open a connection, in milliseconds. */
  connectTimeoutMs: 3_000,
  /** Deadline of one request, from send to reply, in milliseconds. */
  requestTimeoutMs: 5_000,
  /** Tries to reconnect before a call fails with a ConnectionError. */
  reconnectAttemptsMax: 3,
  /** First pause between reconnect tries; it doubles on each try, up to the max. */
  reconnectBackoffMs: 50,
  reconnectBackoffMsMax: 2_000,
  /** Extra tries of a read after a retryable failure (writes are never retried silently). */
  readRetriesMax: 2,
});

/** Bounds of the cluster's own names, checked where a node names itself and where the coordinator hears it. */
export const CLUSTER_NAME_LIMITS = Object.freeze({
  /** Longest storage node id, in characters (ids are letters, digits, '.', '_' and '-'). */
  nodeIdLengthMax: 64,
  /** Longest host:port a storage node reports for itself. */
  addressLengthMax: 300,
});

/** Bounds of `ringkv start`'s launcher: how long a process may take to start and to stop, and
 * how it restarts one that dies (src/runtime/restart-policy.ts). */
export const LAUNCHER_LIMITS = Object.freeze({
  /** A process not ready by then has failed to start. */
  readyTimeoutMs: 30_000,
  /** A process asked to stop (SIGTERM) is killed (SIGKILL) after this. */
  stopGraceMs: 10_000,
  /** Pause before the first restart of a process that died; it doubles with each quick death in a row. */
  restartBackoffMs: 200,
  restartBackoffMsMax: 5_000,
  /** A process that ran this long before dying was healthy: its next restart starts the count again. */
  healthyRunMs: 10_000,
  /** Quick deaths in a row after which the launcher stops restarting a process. */
  quickDeathsMax: 5,
});

/** Bounds of what a process keeps to be observed (src/observability): slow log, latency monitor, dashboard. */
export const OBSERVABILITY_LIMITS = Object.freeze({
  /** Arguments the slow log keeps of one command, and bytes of each (Redis's figures). */
  slowlogArgsMax: 32,
  slowlogArgBytesMax: 128,
  /** Largest --slowlog-max-len. */
  slowlogLenMax: 100_000,
  /** Samples the latency monitor keeps per event, one per second (Redis's figure). */
  latencyHistoryLen: 160,
  /** Warnings and errors the dashboard lists (identical ones are counted, not repeated). */
  recentProblemsMax: 50,
  /** Seconds of per-second traffic samples the dashboard's charts show. */
  trafficSeriesSeconds: 300,
  /** Messages whose answer is awaited for the stage timings (prepare -> vote, ...); older ones are dropped. */
  linkTimingsMax: 100_000,
  /** Dashboard pages following the live stream at once; more are refused (HTTP 503). */
  dashboardStreamsMax: 64,
});

/** Bounds of the credentials a process is given (the cluster secret, the client password). */
export const CREDENTIAL_LIMITS = Object.freeze({
  /** Shortest cluster secret, in bytes: anything shorter can be guessed offline from one recorded handshake. */
  secretBytesMin: 16,
  /** Largest --secret-file or --password-file read, in bytes. */
  credentialFileBytesMax: 4096,
});
