// `ringkv bench` end to end: its own process, against a real ringkv RESP front end (in-memory
// test backend) over TCP.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "../../test/support/server.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BENCH_MODULE = new URL("./bench-command.js", import.meta.url).href;
const ENTRY = `import { Command } from "commander";
import { registerBenchCommand } from ${JSON.stringify(BENCH_MODULE)};
const program = new Command().enablePositionalOptions();
registerBenchCommand(program);
await program.parseAsync(process.argv.slice(1), { from: "user" });`;

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", ENTRY, "bench", ...args], { cwd: REPO });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("ringkv bench (process)", () => {
  let server: TestServer;
  let guarded: TestServer;
  before(async () => {
    server = await startTestServer(0);
    guarded = await startTestServer(0, { password: "pw" });
  });
  after(async () => {
    await server.server.close();
    await guarded.server.close();
  });

  it("preloads, runs a mixed load and prints one JSON object", async () => {
    const run = await runBench(["--port", String(server.port), "--workload", "mixed", "--read-ratio", "0.5", "--clients", "4",
      "--pipeline", "4", "--keyspace", "300", "--value-size", "10", "--requests", "3000", "--preload", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.requests, 3000);
    assert.equal(result.errorsTotal, 0);
    assert.equal(result.preloadedKeys, 300);
    assert.equal(result.readRatio, 0.5);
    assert.ok(result.opsPerSec > 0 && result.latencyMs.p50 > 0 && result.latencyMs.p50 <= result.latencyMs.p99);
    assert.equal(server.backend.data.size, 300);
    assert.equal(server.backend.data.get("key:000000000299")?.length, 10);
  });

  it("prints a text report with errors by code when the server refuses", async () => {
    const run = await runBench(["--port", String(guarded.port), "--clients", "2", "--requests", "50"]);
    assert.match(run.stdout, new RegExp(`set against 127\\.0\\.0\\.1:${guarded.port}: 2 clients, pipeline 1`));
    assert.match(run.stdout, /errors {6}50 \(NOAUTH 50\)/);
    assert.equal(run.code, 1, "no request succeeded");
  });

  it("authenticates with --password", async () => {
    const run = await runBench(["--port", String(guarded.port), "--password", "pw", "--clients", "2", "--requests", "100", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).requests, 100);
  });

  it("refuses bad settings before connecting", async () => {
    const run = await runBench(["--port", String(server.port), "--workload", "scan"]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--workload must be one of set, get, mixed, got "scan"/);
  });

  it("explains itself with --help", async () => {
    const run = await runBench(["--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--read-ratio <share>/);
    assert.match(run.stdout, /Examples:\n {2}ringkv bench /);
  });
});
