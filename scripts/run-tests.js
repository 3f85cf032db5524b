// Runs the compiled tests (dist/) with node:test, tier by tier, and prints each tier's wall time.
//   unit         every *.test.js but those below: pure and fast. A unit test that opens a TCP
//                socket or starts a process or thread fails (test/support/unit-guard.ts).
//   sim          the simulator's sweeps over many seeds: the swarm (src/sim/swarm-*.test.ts)
//                and the plants, each caught within hundreds of seeds (src/sim/plants.test.ts).
//   integration  *.integration.test.js: real sockets, in-process servers, helper processes,
//                redis-server, redis-cli, strace.
//   e2e          test/e2e: real ringkv processes (clusters, kill -9, restarts).
// Usage: node scripts/run-tests.js [TIER ...]   (no tier: all four, in that order; the first
// tier that fails ends the run).
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

const isSimSweep = (path) => /^dist\/src\/sim\/(swarm-[^/]*|plants)\.test\.js$/.test(path);
const isIntegration = (path) => path.endsWith(".integration.test.js");
const isE2e = (path) => path.startsWith("dist/test/e2e/");
const all = [...findTests("dist/src"), ...findTests("dist/test")];

const TIERS = {
  unit: {
    files: all.filter((path) => !isSimSweep(path) && !isIntegration(path) && !isE2e(path)),
    concurrency: 2,
    args: ["--import", "./dist/test/support/unit-guard.js"],
  },
  sim: { files: all.filter(isSimSweep), concurrency: 2, args: [] },
  integration: { files: all.filter(isIntegration), concurrency: 2, args: [] },
  // One at a time: each starts a cluster of processes, and the machine may be small.
  e2e: { files: all.filter(isE2e), concurrency: 1, args: [] },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((tier) => !(tier in TIERS));
if (unknown.length > 0) {
  console.error(`unknown tier ${unknown.join(", ")}; the tiers are ${Object.keys(TIERS).join(", ")}`);
  process.exit(2);
}

const timings = [];
let status = 0;
for (const tier of asked.length > 0 ? asked : Object.keys(TIERS)) {
  const { files, concurrency, args } = TIERS[tier];
  if (files.length === 0) continue;
  console.log(`\n== ${tier} tests: ${files.length} files ==`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [...args, "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files], { stdio: "inherit" });
  timings.push(`${tier} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  status = run.status ?? 1;
  if (status !== 0) break;
}
console.log(`\n== wall time: ${timings.join(", ")} ==`);
process.exitCode = status;
