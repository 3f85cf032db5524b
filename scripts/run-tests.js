// Runs the compiled test files with node:test. `unit` runs src/ tests only (no processes);
// without an argument, unit tests run first, then end-to-end tests in test/.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function findTests(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (name.endsWith(".test.js")) found.push(path);
  }
  return found.sort();
}

function run(label, files, concurrency) {
  if (files.length === 0) return 0;
  console.log(`\n== ${label}: ${files.length} files ==`);
  const args = ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files];
  return spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1;
}

const only = process.argv[2];
let status = run("unit tests", findTests("dist/src"), 2);
if (status === 0 && only !== "unit") status = run("end-to-end tests", findTests("dist/test"), 1);
process.exitCode = status;
