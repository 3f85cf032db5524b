// One process per data directory. Two processes writing one LMDB file would not corrupt it (LMDB
// locks), but each believes it owns the data (node identity, 2PC records), so a second one must
// refuse to start.
//
// The lock is a listening Unix-domain socket, which the kernel closes the moment its process
// dies, kill -9 included, and before the process is reaped: no stale lock survives, and no pid,
// dead, zombie or reused by another program, is ever judged. On Linux it is a socket in the
// abstract namespace named after the directory's device and inode (so every path to the same
// directory finds it, and no file is left behind); elsewhere it is DIR/ringkv.lock, whose stale
// copy refuses connections and is replaced. DIR/ringkv.pid names the holder for people; nothing
// trusts it.
//
// Limits: the abstract namespace belongs to a network namespace, so processes in two containers
// with separate network namespaces sharing one data directory do not see each other's lock (as a
// pid never was, across pid namespaces); nor does a directory shared over a network filesystem.

import { chmodSync, mkdirSync, readFileSync, realpathSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { RingkvError } from "../shared/errors.js";
import { DATA_DIR_FILES, errnoOf, foreignDirError, inspectDataDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./data-dir.js";

export interface DirLock {
  readonly dir: string;
  readonly pidFile: string;
  /** Gives the lock up; it is released when the last holder in this process releases. */
  release(): void;
}

export type LockKind = "abstract" | "file";

/** The kind this platform uses: the abstract namespace exists on Linux only. */
export const PLATFORM_LOCK_KIND: LockKind = process.platform === "linux" ? "abstract" : "file";

/** Directories this process holds, with how many holders (the runner and the store) share each. */
const heldDirs = new Map<string, Held>();

interface Held {
  holders: number;
  /** Resolves once the lock is ours (a first holder's listen), rejects if it is not. */
  locked: Promise<Server>;
  /** The lock, once ours: release() closes it at once, so that a new acquire may follow. */
  server?: Server;
}

/**
 * Locks DIR for this process, creating DIR (mode 0700) if it is missing. Refuses a directory
 * that is not a ringkv one (changing nothing in it) and one another live process holds.
 * Locking a directory this process already holds just adds a holder.
 */
export async function acquireDirLock(dir: string, kind: LockKind = PLATFORM_LOCK_KIND): Promise<DirLock> {
  const found = inspectDataDir(dir);
  if (found.state === "foreign") throw foreignDirError(dir, found.names);
  if (found.state === "missing") mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const realDir = realpathSync(dir);
  const pidFile = join(realDir, DATA_DIR_FILES.pid);
  let held = heldDirs.get(realDir);
  if (held) {
    held.holders++;
  } else {
    const entry: Held = { holders: 1, locked: listenOn(lockAddress(realDir, kind), kind === "file") };
    entry.locked.then((server) => (entry.server = server), () => undefined);
    heldDirs.set(realDir, entry);
    held = entry;
  }
  try {
    await held.locked;
  } catch (error) {
    releaseHolder(realDir, pidFile);
    if (errnoOf(error) === "EADDRINUSE") throw inUseError(dir, pidFile);
    throw new RingkvError("ERR", `cannot lock ${dir}: ${(error as Error).message}`, { cause: error });
  }
  if (held.holders === 1) {
    chmodSync(realDir, PRIVATE_DIR_MODE); // the data is the owner's alone, whoever made the directory
    writeFileSync(pidFile, `${process.pid}\n`, { mode: PRIVATE_FILE_MODE });
  }
  let released = false;
  return {
    dir: realDir,
    pidFile,
    release() {
      if (released) return;
      released = true;
      releaseHolder(realDir, pidFile);
    },
  };
}

/** Where the lock of a directory listens. */
export function lockAddress(realDir: string, kind: LockKind): string {
  if (kind === "file") return join(realDir, DATA_DIR_FILES.lockSocket);
  const { dev, ino } = statSync(realDir);
  return `\0ringkv-data-dir-lock:${dev}:${ino}`;
}

/**
 * Listens on `address`; connections are closed at once (the socket is only a lock). A socket file
 * left by a dead holder refuses connections: it is removed and listened on again, once.
 */
async function listenOn(address: string, replaceStale: boolean): Promise<Server> {
  try {
    return await listen(address);
  } catch (error) {
    if (!replaceStale || errnoOf(error) !== "EADDRINUSE" || (await holderAnswers(address))) throw error;
    unlinkSync(address);
    return listen(address);
  }
}

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(address, () => {
      server.off("error", reject);
      server.unref(); // the lock must not keep the process alive
      resolve(server);
    });
  });
}

function holderAnswers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error) => resolve(errnoOf(error) !== "ECONNREFUSED" && errnoOf(error) !== "ENOENT"));
  });
}

function inUseError(dir: string, pidFile: string): RingkvError {
  const pid = readPid(pidFile);
  const named = pid === undefined ? "" : ` (process ${pid}, says ${pidFile})`;
  return new RingkvError("ERR", `${dir} is in use by another running ringkv process${named}; stop that process first`);
}

function releaseHolder(realDir: string, pidFile: string): void {
  const held = heldDirs.get(realDir);
  if (!held) return;
  held.holders--;
  if (held.holders > 0) return;
  heldDirs.delete(realDir);
  if (held.server === undefined) return; // never ours
  if (readPid(pidFile) === process.pid) unlinkSync(pidFile);
  held.server.close();
}

function readPid(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, "utf8").trim();
  } catch {
    return undefined;
  }
  return /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : undefined;
}
