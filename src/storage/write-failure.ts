// Why a KVStore write failed, and what the store can still do after it (DESIGN.md, "Faults of the
// disk"):
// - "invalid": the batch broke a limit; it was refused before anything was queued.
// - "full": the disk (or the file's size limit) had no room. LMDB writes a transaction's pages,
//   syncs them, and only then its meta page, so a commit that fails for room leaves the last
//   committed state whole: nothing of the batch applies, reads go on, and the next write is tried
//   again (it succeeds once there is room).
// - "failed": any other failure (EIO on a disk with room, LMDB's own fatal errors): what reached
//   the disk is unknown, so the store refuses every later write until the process restarts and
//   recovers; reads of the committed state go on while LMDB can serve them.
// LMDB reports a short write — the last bytes of a nearly full disk — as EIO, so an EIO on a
// filesystem with almost no room left counts as "full".

import { statfsSync } from "node:fs";
import { RingkvError } from "../shared/errors.js";
import { messageOf } from "./data-dir.js";

export type WriteFailureKind = "invalid" | "full" | "failed";

/** A rejected KVStore.write: `kind` says whether anything may have been written and whether the store takes writes. */
export class StoreWriteError extends RingkvError {
  constructor(readonly kind: WriteFailureKind, message: string, options?: { cause?: unknown }) {
    super("ERR", message, options);
  }
}

const ERRNO_NO_ROOM: ReadonlyMap<number, string> = new Map([[28, "ENOSPC"], [122, "EDQUOT"], [27, "EFBIG"]]);
const EIO = 5;
/** Free bytes under which an EIO is taken for a short write on a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/** The failure of a commit to `file` (in directory `dir`), with its cause as lmdb-js reports it. */
export async function commitFailure(error: unknown, file: string, dir: string): Promise<StoreWriteError> {
  const cause = await commitCause(error);
  const errno = (cause as { code?: unknown } | null)?.code;
  const detail = messageOf(cause);
  const full = (typeof errno === "number" && ERRNO_NO_ROOM.has(errno)) || (errno === EIO && freeBytes(dir) < NEARLY_FULL_BYTES);
  return full ? roomFailure(file, detail, cause) : fatalFailure(file, detail, cause);
}

/** A write that found no room and applied nothing: the store goes on, and the next write is tried again. */
export function roomFailure(file: string, detail: string, cause?: unknown): StoreWriteError {
  return new StoreWriteError("full", `disk full: a write to ${file} failed (${detail}) and none of it was applied; `
    + "reads go on, and writes succeed again once there is room", { cause });
}

/** A write whose effect on disk is unknown: the store refuses writes until the process restarts. */
export function fatalFailure(file: string, detail: string, cause?: unknown): StoreWriteError {
  return new StoreWriteError("failed", `a write to ${file} failed (${detail}); the store refuses further writes until the `
    + "process restarts (reads go on)", { cause });
}

const ERRNO_CODES_NO_ROOM: ReadonlySet<string> = new Set(ERRNO_NO_ROOM.values());

/**
 * The failure of an append to the write-ahead log FILE (a Node fs error). For room, and when the
 * file was cut back to its last whole record (CUTBACK), nothing of it counts; otherwise it is fatal.
 */
export function logAppendFailure(cause: unknown, file: string, cutBack: boolean): StoreWriteError {
  const code = (cause as { code?: unknown } | null)?.code;
  const full = cutBack && typeof code === "string" && ERRNO_CODES_NO_ROOM.has(code);
  return full ? roomFailure(file, messageOf(cause), cause) : fatalFailure(file, messageOf(cause), cause);
}

/** Bytes free to an unprivileged writer in DIR's filesystem (infinite if it cannot be told). */
export function freeBytes(dir: string): number {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * lmdb-js rejects the writes of a failed commit with a generic error whose `commitError` promise
 * rejects with the real one (EIO, ENOSPC...) in the same callback. Read it, and always handle it:
 * left alone it is an unhandled rejection that ends the process.
 */
async function commitCause(error: unknown): Promise<unknown> {
  const commitError = (error as { commitError?: Promise<unknown> } | null)?.commitError;
  if (!(commitError instanceof Promise)) return error;
  const settled = commitError.then(() => undefined, (cause: unknown) => cause);
  const nextTurn = new Promise<undefined>((resolve) => setImmediate(resolve, undefined));
  return (await Promise.race([settled, nextTurn])) ?? error;
}

/** Roots whose echo handler is already scheduled for this turn. */
const echoesScheduled = new WeakSet<object>();

/**
 * lmdb-js also makes a commit promise of its own for the writes of one event-loop turn (in a
 * setImmediate, after they are queued), which nobody holds: when that commit fails, it rejects
 * unhandled and would end the process, although the failure is reported through the writes' own
 * promises. Call after queuing writes: this handles it, once per turn.
 */
export function handleCommitEchoes(root: { committed: PromiseLike<unknown> }): void {
  if (echoesScheduled.has(root)) return;
  echoesScheduled.add(root);
  setImmediate(() => {
    echoesScheduled.delete(root);
    root.committed.then(undefined, () => undefined);
  });
}
