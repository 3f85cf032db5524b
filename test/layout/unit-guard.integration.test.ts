// The unit tier's guard (test/support/unit-guard.ts): under it a test file that listens on a
// TCP port or starts a process fails with the way out in its message; without it the same file
// passes. Unix-domain sockets (the data directory's lock) pass. Run as the unit tier runs its files: node --import GUARD --test FILE.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const GUARD = fileURLToPath(new URL("../support/unit-guard.js", import.meta.url));

const FILES = {
  "listens.test.mjs": `import { test } from "node:test"; import { createServer } from "node:net";
test("listens", async () => { const s = createServer(); await new Promise((r) => s.listen(0, "127.0.0.1", r)); s.close(); });`,
  "spawns.test.mjs": `import { test } from "node:test"; import { execFileSync } from "node:child_process";
test("spawns", () => { execFileSync(process.execPath, ["-e", ""]); });`,
  "pure.test.mjs": `import { test } from "node:test"; import assert from "node:assert/strict";
test("pure", () => assert.equal(1 + 1, 2));`,
  // A Unix-domain socket is a file on this machine (the data directory's lock is one): allowed.
  "unix.test.mjs": `import { test } from "node:test"; import { createServer, connect } from "node:net";
test("unix socket", async () => {
  const path = "\\0ringkv-unit-guard-" + process.pid;
  const s = createServer((c) => c.end()); await new Promise((r) => s.listen(path, r));
  await new Promise((r, j) => connect(path, r).once("error", j)); s.close(); });`,
};

function runFile(dir: string, name: string, guarded: boolean): { status: number | null; output: string } {
  const args = [...(guarded ? ["--import", GUARD] : []), "--test", join(dir, name)];
  // As the runner of a tier starts: not itself a test runner's child (that one would run the file in-process).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, args, { encoding: "utf8", env });
  return { status: run.status, output: run.stdout + run.stderr };
}

test("under the guard a test that listens or spawns fails, naming the integration tier; a pure one passes", () => {
  const dir = mkdtempSync(join(tmpdir(), "ringkv-unit-guard-"));
  try {
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
    for (const name of ["listens.test.mjs", "spawns.test.mjs"]) {
      const guarded = runFile(dir, name, true);
      assert.notEqual(guarded.status, 0, `${name} fails under the guard`);
      assert.match(guarded.output, /must not open TCP sockets or start processes or threads; name the file \*\.integration\.test\.ts/);
      assert.equal(runFile(dir, name, false).status, 0, `${name} passes without the guard (control)`);
    }
    assert.equal(runFile(dir, "pure.test.mjs", true).status, 0, "a pure test passes under the guard");
    const unix = runFile(dir, "unix.test.mjs", true);
    assert.equal(unix.status, 0, `a Unix-domain socket passes under the guard:\n${unix.output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
