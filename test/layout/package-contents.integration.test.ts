// What `npm pack` would publish: the command and the compiled sources, and no test, test
// support or measurement file (those live under test/, and *.test.* files are excluded).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

test("npm pack ships the command and the library, and no test or test support", () => {
  // --ignore-scripts: the build already ran (this file is compiled), and packing must not rebuild.
  const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" });
  const [pack] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  const paths = pack!.files.map((file) => file.path);
  for (const needed of ["bin/ringkv.js", "dist/src/cli/main.js", "dist/src/client/index.js", "dist/src/client/index.d.ts"]) {
    assert.ok(paths.includes(needed), `${needed} is shipped`);
  }
  const testFiles = paths.filter((path) => /\.test\.|^dist\/test\/|\/testing\/|test-support|test-harness|\.measure\.|\.tsbuildinfo$/.test(path));
  assert.deepEqual(testFiles, []);
});
