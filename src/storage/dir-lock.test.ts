import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RingkvError } from "../shared/errors.js";
import { DATA_DIR_FILES } from "./data-dir.js";
import { acquireDirLock } from "./dir-lock.js";
import { killChild, startChild } from "../../test/support/storage/child.js";
import { snapshotTree, withTempDir } from "../../test/support/temp-dir.js";

const lockHolder = new URL("../../test/support/storage/lock-holder.js", import.meta.url);
const CHILD_TIMEOUT_MS = 10_000;

function pidFileOf(dir: string): string {
  return join(dir, DATA_DIR_FILES.pid);
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", ""]);
  assert.ok(result.pid, "could not start a short-lived process");
  return result.pid;
}

describe("acquireDirLock", () => {
  it("creates a missing directory, writes our pid, and removes the file on release", () =>
    withTempDir(async (parent) => {
      const dir = join(parent, "data");
      const lock = acquireDirLock(dir);
      assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
      lock.release();
      assert.deepEqual(readdirSync(dir), []);
    }));

  it("shares one lock between holders in this process; the last release removes it", () =>
    withTempDir(async (dir) => {
      const runner = acquireDirLock(dir);
      const store = acquireDirLock(dir);
      store.release();
      store.release(); // a second release of one holder changes nothing
      assert.ok(existsSync(pidFileOf(dir)));
      runner.release();
      assert.ok(!existsSync(pidFileOf(dir)));
    }));

  const staleContents: Array<{ name: string; content: () => string }> = [
    { name: "a process that has exited", content: () => `${deadPid()}\n` },
    { name: "our own pid, left by an earlier process that had it", content: () => `${process.pid}\n` },
    { name: "no pid at all (a crash while writing it)", content: () => "" },
    { name: "garbage", content: () => "not a pid\n" },
  ];
  for (const stale of staleContents) {
    it(`takes over a pid file naming ${stale.name}`, () =>
      withTempDir(async (dir) => {
        writeFileSync(pidFileOf(dir), stale.content());
        const lock = acquireDirLock(dir);
        assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
        assert.deepEqual(readdirSync(dir), [DATA_DIR_FILES.pid], "the stale file moved aside is gone");
        lock.release();
      }));
  }

  it("refuses a directory held by another live process, then takes it over once that process is killed", () =>
    withTempDir(async (dir) => {
      const holder = startChild(lockHolder, [dir]);
      try {
        await holder.waitForLine((line) => line === "locked", CHILD_TIMEOUT_MS);
        const childPid = String(holder.process.pid);
        assert.throws(
          () => acquireDirLock(dir),
          (error: unknown) =>
            error instanceof RingkvError &&
            error.message === `${dir} is in use by process ${childPid} (see ${pidFileOf(dir)}); stop that process first, or remove the file if it is not ringkv`,
        );
        assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${childPid}\n`, "the live holder's file is untouched");
      } finally {
        await killChild(holder); // SIGKILL: the holder cannot clean up, its file goes stale
      }
      const lock = acquireDirLock(dir);
      assert.equal(readFileSync(pidFileOf(dir), "utf8"), `${process.pid}\n`);
      lock.release();
    }));

  it("refuses a foreign directory without writing into it", () =>
    withTempDir(async (dir) => {
      writeFileSync(join(dir, "notes.txt"), "mine");
      const before = snapshotTree(dir);
      assert.throws(() => acquireDirLock(dir), /is not a ringkv data directory \(found: notes\.txt\)/);
      assert.deepEqual(snapshotTree(dir), before);
    }));
});
