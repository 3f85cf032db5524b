// One process per data directory: DIR/ringkv.pid names the process that owns DIR. Two
// processes writing one LMDB file would not corrupt it (LMDB locks), but each believes it
// owns the data (node identity, 2PC records), so a second one must refuse to start.
//
// Node has no flock(), so the lock is the pid file itself: created with O_EXCL, judged stale
// when the process it names is gone, and taken over by renaming it aside first, so that of
// two processes taking over the same stale file, only one can win.

import { linkSync, mkdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RingkvError } from "../shared/errors.js";
import { DATA_DIR_FILES, errnoOf, foreignDirError, inspectDataDir } from "./data-dir.js";

export interface DirLock {
  readonly dir: string;
  readonly pidFile: string;
  /** Gives the lock up; the pid file is removed when the last holder in this process releases. */
  release(): void;
}

/** Takeovers of a stale pid file tried before giving up (each loses only to a live owner). */
const TAKEOVER_ATTEMPTS_MAX = 3;

/** Directories this process holds, with how many holders (the runner and the store) share each. */
const heldDirs = new Map<string, { holders: number }>();

/**
 * Locks DIR for this process, creating DIR if it is missing. Refuses a directory that is not a
 * ringkv one (changing nothing in it) and one whose pid file names another live process.
 * A pid file naming a dead process, or this pid left by an earlier process, is replaced.
 * Locking a directory this process already holds just adds a holder.
 */
export function acquireDirLock(dir: string): DirLock {
  const found = inspectDataDir(dir);
  if (found.state === "foreign") throw foreignDirError(dir, found.names);
  if (found.state === "missing") mkdirSync(dir, { recursive: true });
  const realDir = realpathSync(dir);
  const pidFile = join(realDir, DATA_DIR_FILES.pid);
  const held = heldDirs.get(realDir);
  if (held) {
    held.holders++;
  } else {
    createPidFile(dir, pidFile);
    heldDirs.set(realDir, { holders: 1 });
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

function createPidFile(dir: string, pidFile: string): void {
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS_MAX; attempt++) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`, { flag: "wx" });
      return;
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") throw error;
    }
    const holderText = readIfExists(pidFile);
    if (holderText === undefined) continue; // its owner just released it
    const holder = parsePid(holderText);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new RingkvError(
        "ERR",
        `${dir} is in use by process ${holder} (see ${pidFile}); stop that process first, or remove the file if it is not ringkv`,
      );
    }
    removeIfUnchanged(pidFile, holderText);
  }
  throw new RingkvError(
    "ERR",
    `could not lock ${dir}: ${pidFile} kept changing over ${TAKEOVER_ATTEMPTS_MAX} attempts; is another ringkv starting on it?`,
  );
}

/** Removes a stale pid file, unless another process replaced it since we read it. */
function removeIfUnchanged(pidFile: string, staleText: string): void {
  const aside = `${pidFile}.stale-${process.pid}`;
  try {
    renameSync(pidFile, aside);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return;
    throw error;
  }
  if (readIfExists(aside) !== staleText) {
    // We moved a fresh lock of a process that won the takeover: put it back.
    try {
      linkSync(aside, pidFile);
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") throw error;
    }
  }
  unlinkSync(aside);
}

function releaseHolder(realDir: string, pidFile: string): void {
  const held = heldDirs.get(realDir);
  if (!held) return;
  held.holders--;
  if (held.holders > 0) return;
  heldDirs.delete(realDir);
  if (parsePid(readIfExists(pidFile) ?? "") === process.pid) unlinkSync(pidFile);
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined;
    throw error;
  }
}

function parsePid(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[1-9][0-9]{0,9}$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — it is alive.
    return errnoOf(error) === "EPERM";
  }
}
