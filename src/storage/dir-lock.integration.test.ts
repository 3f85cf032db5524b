import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RingkvError } from "../shared/errors.js";
import { DATA_DIR_FILES } from "./data-dir.js";
import { acquireDirLock, PLATFORM_LOCK_KIND, type LockKind } from "./dir-lock.js";
import { killChild, startChild } from "../../test/support/storage/child.js";
import { snapshotTree, withTempDir } from "../../test/support/temp-dir.js";

const lockHolder = new URL("../../test/support/storage/lock-holder.js", import.meta.url);
const CHILD_TIMEOUT_MS = 10_000;

function pidFileOf(dir: string): string {
  return join(dir, DATA_DIR_FILES.pid);
}

/** The state letter of a process in /proc (R, S, Z...), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

const KINDS: LockKind[] = PLATFORM_LOCK_KIND === "abstract" ? ["abstract", "file"] : ["file"];

for (const kind of KINDS) {
  describe(`acquireDirLock (${kind} socket)`, () => {
    it("creates a missing directory (0700), writes our pid (0600) for people, and removes it on release", () =>
      withTempDir(async (parent) => {
        const dir = join(parent, "data");
        const lock = await acquireDirLock(dir, kind);
        assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
        assert.equal(statSync(dir).mode & 0o777, 0o700);
        assert.equal(statSync(pidFileOf(dir)).mode & 0o777, 0o600);
        lock.release();
        assert.deepEqual(readdirSync(dir), []);
      }));

    it("shares one lock between holders in this process; the last release frees it for the next acquire", () =>
      withTempDir(async (dir) => {
        const runner = await acquireDirLock(dir, kind);
        const store = await acquireDirLock(dir, kind);
        store.release();
        store.release(); // a second release of one holder changes nothing
        assert.ok(existsSync(pidFileOf(dir)));
        runner.release();
        assert.ok(!existsSync(pidFileOf(dir)));
        (await acquireDirLock(dir, kind)).release();
      }));

    it("trusts no pid file: one naming a live process of another program, or garbage, blocks nothing", () =>
      withTempDir(async (dir) => {
        for (const stale of [`${process.ppid}\n`, "1\n", "not a pid\n", ""]) {
          writeFileSync(pidFileOf(dir), stale);
          const lock = await acquireDirLock(dir, kind);
          assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
          lock.release();
        }
      }));

    it("refuses a directory held by another live process, naming it; takes it at once after kill -9", () =>
      withTempDir(async (dir) => {
        const holder = startChild(lockHolder, [dir, kind]);
        try {
          await holder.waitForLine((line) => line === "locked", CHILD_TIMEOUT_MS);
          await assert.rejects(acquireDirLock(dir, kind), (error: unknown) =>
            error instanceof RingkvError &&
            error.message === `${dir} is in use by another running ringkv process (process ${holder.process.pid}, says ${pidFileOf(dir)}); stop that process first`);
          assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${holder.process.pid}\n`, "the live holder's file is untouched");
        } finally {
          await killChild(holder); // SIGKILL: the holder cannot clean up
        }
        const lock = await acquireDirLock(dir, kind);
        assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
        lock.release();
      }));

    it("refuses a foreign directory without writing into it", () =>
      withTempDir(async (dir) => {
        writeFileSync(join(dir, "notes.txt"), "mine");
        const before = snapshotTree(dir);
        await assert.rejects(acquireDirLock(dir, kind), /is not a ringkv data directory \(found: notes\.txt\)/);
        assert.deepEqual(snapshotTree(dir), before);
      }));
  });
}

describe("acquireDirLock after kill -9", { skip: process.platform !== "linux" && "needs /proc" }, () => {
  it("takes the lock of a holder killed and not yet reaped (a zombie, which kill(pid, 0) calls alive)", () =>
    withTempDir(async (dir) => {
      // The holder runs under a shell that execs `sleep`, which never reaps it: killed, it stays a zombie.
      const parent = spawn("sh", ["-c", '"$@" > /dev/null & echo "$!"; exec sleep 30', "sh", process.execPath, lockHolder.pathname, dir],
        { stdio: ["ignore", "pipe", "ignore"] });
      try {
        const holderPid = await new Promise<number>((resolve) => parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
        const deadline = Date.now() + CHILD_TIMEOUT_MS;
        while (readFileSync(pidFileOf(dir), { encoding: "utf8", flag: "a+" }).trim() !== String(holderPid)) {
          assert.ok(Date.now() < deadline, "the holder did not lock the directory");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        process.kill(holderPid, "SIGKILL");
        // Dead: a zombie whose every thread has exited (its files closed), not yet reaped.
        while (processState(holderPid) !== "Z" || readdirSync(`/proc/${holderPid}/task`).length > 1) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        process.kill(holderPid, 0); // still "alive" to a pid check: the old lock refused here
        const lock = await acquireDirLock(dir);
        assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
        lock.release();
      } finally {
        parent.kill("SIGKILL");
      }
    }));
});
