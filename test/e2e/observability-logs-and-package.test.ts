// Logs a person can read: --log-format pretty gives readable lines, a pipe gets JSON lines with
// level names, a bad format is refused. And what `npm pack` ships serves the dashboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { runRingkv, startNode, stopGracefully, tempDir } from "../support/ringkv-process.js";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;
const ROOT = new URL("../../../", import.meta.url).pathname;

test("--log-format pretty prints readable lines: time, level, role, message, fields", async () => {
  const dir = tempDir("pretty-logs");
  const node = spawn(process.execPath, [BIN, "node", "--port", "0", "--data", dir.path, "--log-format", "pretty"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no ready line")), 15_000);
      createInterface({ input: node.stdout }).on("line", (line) => {
        if (line.includes("storage node ready")) {
          clearTimeout(timer);
          resolve(line);
        }
      });
    });
    assert.match(ready, /^\d\d:\d\d:\d\d\.\d{3} {2}INFO {3}node {2}storage node ready {2}host=127\.0\.0\.1 port=\d+ /);
    assert.ok(!ready.includes("\u001b["), "no colour where the output is not a terminal");
  } finally {
    node.kill("SIGTERM");
    await new Promise((resolve) => node.once("exit", resolve));
    dir.remove();
  }
});

test("piped, the logs are JSON lines with level names; a bad --log-format is refused", async () => {
  const dir = tempDir("json-logs");
  const node = await startNode(dir.path);
  await stopGracefully(node);
  dir.remove();
  const entries = node.logs.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { level: unknown; msg: unknown });
  assert.ok(entries.length >= 2);
  for (const entry of entries) assert.ok(["info", "warn"].includes(String(entry.level)), JSON.stringify(entry));
  const refused = await runRingkv(["node", "--port", "0", "--data", "/nonexistent", "--log-format", "xml"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--log-format must be one of json, pretty, got "xml"/);
});

test("npm pack ships the dashboard's files next to the code that serves them", async () => {
  const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, timeout: 60_000 });
  const files = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path));
  for (const name of ["index.html", "dashboard.js", "dashboard.css"]) {
    assert.ok(files.has(`dist/src/observability/dashboard/${name}`), `${name} is packed`);
  }
  assert.ok(files.has("dist/src/observability/observability.js"));
});
