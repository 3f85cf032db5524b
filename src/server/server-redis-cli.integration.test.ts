// redis-cli, the tool people reach for first, against the front end (skipped when it is
// not installed at /usr/bin/redis-cli).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "../../test/support/server.js";

const REDIS_CLI = "/usr/bin/redis-cli";
const skip = existsSync(REDIS_CLI) ? false : `${REDIS_CLI} is not installed`;
const run = promisify(execFile);
let ts: TestServer;

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI, ["-h", "127.0.0.1", "-p", String(ts.port), ...args], { timeout: 10_000 });
  return stdout;
}

before(async () => {
  ts = await startTestServer(0);
});

after(async () => {
  await ts.server.close();
});

test("redis-cli set, get and --no-raw formatting", { skip }, async () => {
  assert.equal(await cli("set", "a", "b"), "OK\n");
  assert.equal(await cli("get", "a"), "b\n");
  assert.equal(await cli("--no-raw", "get", "a"), '"b"\n');
  assert.equal(await cli("--no-raw", "get", "missing"), "(nil)\n");
  assert.equal(await cli("--no-raw", "exists", "a", "a"), "(integer) 2\n");
  assert.equal(await cli("--no-raw", "mget", "a", "missing"), '1) "b"\n2) (nil)\n');
  assert.equal(await cli("--no-raw", "nosuch", "x"), "(error) ERR unknown command 'nosuch', with args beginning with: 'x' \n");
});

test("redis-cli -3 (RESP3) shows nulls and maps", { skip }, async () => {
  assert.equal(await cli("-3", "--no-raw", "get", "missing"), "(nil)\n");
  assert.equal(await cli("-3", "--no-raw", "config", "get", "save"), '1# "save" => ""\n');
});

test("redis-cli reads commands from stdin and pipes replies in order", { skip }, async () => {
  const child = execFile(REDIS_CLI, ["-h", "127.0.0.1", "-p", String(ts.port)], { timeout: 10_000 });
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stdin?.end("set piped 1\nget piped\nping\n");
  await new Promise((resolve) => child.on("close", resolve));
  assert.equal(stdout, "OK\n1\nPONG\n");
});
