import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { logTail, readableLine } from "./log-tail.js";

test("a pino line reads as its level, message and the fields that say what went wrong", () => {
  const line = JSON.stringify({ level: 60, time: "t", pid: 7, role: "node", msg: "the coordinator refused this node", reason: "unknown id" });
  assert.equal(readableLine(line), "fatal: the coordinator refused this node (reason: unknown id)");
  const withError = JSON.stringify({ level: 50, pid: 7, msg: "failed", err: { type: "Error", message: "EACCES", stack: "..." } });
  assert.equal(readableLine(withError), "error: failed (err: EACCES)");
  assert.equal(readableLine("ringkv: listen EADDRINUSE: address already in use 127.0.0.1:6380"),
    "ringkv: listen EADDRINUSE: address already in use 127.0.0.1:6380");
});

test("logTail gives the last lines, skips blank ones, and [] for a missing log", () => {
  const dir = mkdtempSync(join(tmpdir(), "ringkv-log-tail-"));
  try {
    const path = join(dir, "node-1.log");
    writeFileSync(path, ["one", "", "two", JSON.stringify({ level: 30, msg: "three" }), "four", ""].join("\n"));
    assert.deepEqual(logTail(path, 3), ["two", "info: three", "four"]);
    assert.deepEqual(logTail(join(dir, "missing.log"), 3), []);
    // The launcher's own notes in a process's log are left out when asked.
    writeFileSync(path, [JSON.stringify({ level: 50, msg: "the cause" }), JSON.stringify({ level: 40, role: "launcher", msg: "restarting" }), ""].join("\n"));
    assert.deepEqual(logTail(path, 5, "launcher"), ["error: the cause"]);
    assert.deepEqual(logTail(path, 5), ["error: the cause", "warn: restarting"]);
    // A long log is read from its end only; its first, partial line is dropped.
    writeFileSync(path, `${"x".repeat(100_000)}\nlast\n`);
    assert.deepEqual(logTail(path, 5), ["last"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
