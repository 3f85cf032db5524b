// `ringkv cli` end to end: the command runs as its own process, reads commands from a pipe or
// its arguments, and talks over TCP to a real ringkv RESP front end (in-memory test backend) and,
// when installed, to redis-server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/support/ports.js";
import { MemoryBackend, startTestServer, type TestServer } from "../../test/support/server.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const CLI_MODULE = new URL("./cli-command.js", import.meta.url).href;
// Registers only this command on a program of its own, so the test does not depend on main.ts.
const ENTRY = `import { Command } from "commander";
import { registerCliCommand } from ${JSON.stringify(CLI_MODULE)};
const program = new Command().enablePositionalOptions();
registerCliCommand(program);
await program.parseAsync(process.argv.slice(1), { from: "user" });`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ["--input-type=module", "-e", ENTRY, "cli", ...args], {
    cwd: REPO,
    env: { ...process.env, HOME: "/nonexistent", RINGKV_PASSWORD: "" },
  });
}

function runCli(args: string[], input = ""): Promise<Run> {
  const child = startCli(args);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("latin1")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("latin1")));
  child.stdin.end(input);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("ringkv cli (process, piped stdin)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(0);
  });
  after(() => server.server.close());

  it("runs commands one per line in both forms and prints like redis-cli", async () => {
    const input = [
      'put greeting "hello world"',
      "get greeting",
      'put("k", "v")',
      'get("k")',
      'delete("k")',
      "get k",
      "mset a 1 b 2",
      "mget a b zz",
      "exists a b zz",
      'put bin "a\\x00\\n"',
      "get bin",
      "ping",
    ].join("\n");
    const run = await runCli(["--port", String(server.port), "--no-raw"], `${input}\n`);
    assert.equal(run.stdout, [
      "OK", '"hello world"', "OK", '"v"', "(integer) 1", "(nil)", "OK",
      '1) "1"\n2) "2"\n3) (nil)', "(integer) 2", "OK", '"a\\x00\\n"', "PONG", "",
    ].join("\n"));
    assert.equal(run.code, 0, run.stderr);
  });

  it("prints errors in line, keeps going, and exits 2", async () => {
    const input = ["put k", "frobnicate x", "get k \"open", "nodes", "get greeting", "help get"].join("\n");
    const run = await runCli(["--port", String(server.port), "--no-raw"], input);
    const lines = run.stdout.split("\n");
    assert.equal(lines[0], "(error) wrong number of arguments (1) for put; usage: put <key> <value> [NX|XX]");
    assert.match(lines[1]!, /^\(error\) ERR unknown command 'frobnicate'/);
    assert.match(lines[2]!, /^\(error\) unbalanced quotes/);
    assert.match(lines[3]!, new RegExp(`^\\(error\\) RINGKV NODES is answered by a ringkv coordinator only, and 127\\.0\\.0\\.1:${server.port} is not one`));
    assert.equal(lines[4], '"hello world"');
    assert.equal(lines[5], "get <key>");
    assert.equal(run.code, 2);
  });

  it("prints values raw when stdout is not a terminal, and stops at exit", async () => {
    const run = await runCli(["--port", String(server.port)], "get greeting\nexists greeting\nexit\nget greeting\n");
    assert.equal(run.stdout, "hello world\n1\n");
    assert.equal(run.code, 0);
  });

  it("reconnects after the server restarts, and says so", async () => {
    const backend = new MemoryBackend();
    let restarting = await startTestServer(0, { backend });
    const port = restarting.port;
    const child = startCli(["--port", String(port)]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      child.stdin.write("put k kept\n");
      await waitFor(() => stdout === "OK\n", () => stdout + stderr);
      await restarting.server.close();
      await waitFor(() => stderr.includes("lost"), () => stderr);
      restarting = await startTestServer(port, { backend });
      child.stdin.end("get k\n");
      assert.equal(await closed, 0, stderr);
      assert.equal(stdout, "OK\nkept\n");
      assert.match(stderr, new RegExp(`\\(connection to 127\\.0\\.0\\.1:${port} lost: .*; the next command reconnects\\)`));
      assert.match(stderr, new RegExp(`\\(reconnected to 127\\.0\\.0\\.1:${port}\\)`));
    } finally {
      child.kill();
      await restarting.server.close();
    }
  });
});

describe("ringkv cli (process, one-shot)", () => {
  let server: TestServer;
  let port: string;
  before(async () => {
    server = await startTestServer(0);
    port = String(server.port);
    server.backend.data.set("k", Buffer.from("value one"));
  });
  after(() => server.server.close());

  it("prints a value and exits 0", async () => {
    assert.deepEqual(await runCli(["--port", port, "get", "k"]), { code: 0, stdout: "value one\n", stderr: "" });
  });

  it("exits 1 for a missing key: nothing on stdout, (nil) on stderr", async () => {
    assert.deepEqual(await runCli(["--port", port, "get", "nope"]), { code: 1, stdout: "", stderr: "(nil)\n" });
  });

  it("takes values that look like options after the command", async () => {
    assert.equal((await runCli(["--port", port, "put", "neg", "-1"])).code, 0);
    assert.equal((await runCli(["--port", port, "get", "neg"])).stdout, "-1\n");
  });

  it("exits 2 with the message on stderr for an error", async () => {
    const run = await runCli(["--port", port, "put", "only-key"]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^\(error\) wrong number of arguments \(1\) for put/);
  });

  it("exits 2 with a clear message when nothing listens", async () => {
    const closedPort = await freePort();
    const run = await runCli(["--port", String(closedPort), "get", "k"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`\\(error\\) cannot connect to 127\\.0\\.0\\.1:${closedPort} after \\d+ tries: .*ECONNREFUSED`));
  });

  it("shows its usage with --help", async () => {
    const run = await runCli(["--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Examples:\n {2}ringkv cli /);
    assert.match(run.stdout, /Exit status of a one-shot command: 0 for a reply, 1 for a nil reply/);
  });
});

const redisServer = spawnSync("redis-server", ["--version"]).status === 0;

describe("ringkv cli against redis-server", { skip: redisServer ? false : "redis-server is not installed (apt-get install redis-server)" }, () => {
  let redis: ChildProcessWithoutNullStreams;
  let redisPort: number;
  before(async () => {
    redisPort = await freePort();
    redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    const ping = async (): Promise<boolean> => (await runCli(["--port", String(redisPort), "ping"])).stdout === "PONG\n";
    for (let i = 0; i < 50 && !(await ping()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  });
  after(() => redis.kill());

  it("speaks to redis-server, raw commands included", async () => {
    const input = ["put counter 41", "incr counter", "get counter", "del counter", "lpush list a b", "lrange list 0 -1", "locate k"].join("\n");
    const run = await runCli(["--port", String(redisPort), "--no-raw"], input);
    const lines = run.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 7), ["OK", "(integer) 42", '"42"', "(integer) 1", "(integer) 2", '1) "b"', '2) "a"']);
    assert.match(lines[7]!, /^\(error\) RINGKV LOCATE is answered by a ringkv coordinator only/);
    assert.equal(run.code, 2);
  });
});

async function waitFor(condition: () => boolean, describe: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in time; so far: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
