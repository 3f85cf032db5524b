// Credentials kept off the command line and checked: a coordinator and a storage node that read
// the cluster secret from a file and the password from the environment show neither in their
// command lines; with a password, the storage node's own port answers nothing but AUTH before
// it (not INFO, CLIENT LIST or CONFIG GET); a short secret and an open address without a
// password are refused before anything starts.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RespConnection } from "../../src/client/resp-connection.js";
import { waitUntil } from "../support/cluster.js";
import { runRingkv, startRingkv, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

const PASSWORD = "a-client-password";
const dir = tempDir("credentials");
const secret = randomBytes(24).toString("base64");
let coordinator: RingkvProcess;
let node: RingkvProcess;

before(async () => {
  const secretFile = join(dir.path, "cluster.secret");
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const env = { ...process.env, RINGKV_SECRET_FILE: secretFile, RINGKV_PASSWORD: PASSWORD };
  coordinator = await startRingkv(["coordinator", "--port", "0", "--data", join(dir.path, "coordinator"), "--replicas", "1", "--min-nodes", "1"],
    "coordinator ready", 15_000, env);
  node = await startRingkv(["node", "--join", `127.0.0.1:${coordinator.port}`, "--port", "0", "--data", join(dir.path, "node-1"), "--id", "node-1"],
    "storage node ready", 15_000, env);
  await waitUntil("the node to join", () => node.logs.some((line) => line.includes("joined the cluster")), 15_000);
});

after(async () => {
  for (const p of [node, coordinator]) if (p) await stopGracefully(p);
  dir.remove();
});

test("neither the secret nor the password shows in any process's command line", () => {
  for (const p of [coordinator, node]) {
    const commandLine = readFileSync(`/proc/${p.child.pid}/cmdline`, "utf8");
    assert.ok(!commandLine.includes(secret), "the secret is not in argv");
    assert.ok(!commandLine.includes(PASSWORD), "the password is not in argv");
  }
});

test("with a password, a storage node's own port answers only AUTH before it", async () => {
  const stranger = await RespConnection.connect({ host: "127.0.0.1", port: node.port });
  try {
    for (const command of [["INFO"], ["CLIENT", "LIST"], ["CONFIG", "GET", "*"], ["DBSIZE"], ["PING"]]) {
      await assert.rejects(stranger.send(command), /^RespReplyError: NOAUTH Authentication required/, command.join(" "));
    }
    assert.equal(await stranger.send(["AUTH", PASSWORD]), "OK");
    assert.match(String(await stranger.send(["INFO", "server"])), /redis_version/);
  } finally {
    stranger.close();
  }
});

test("a secret of fewer than 16 bytes is refused before anything starts", async () => {
  const { code, stderr } = await runRingkv(["coordinator", "--port", "0", "--data", join(dir.path, "short")], undefined, 15_000,
    { ...process.env, RINGKV_SECRET: "s3cret" });
  assert.notEqual(code, 0);
  assert.match(stderr, /the cluster secret \(from the environment\) is 6 bytes; it must have at least 16/);
});

test("listening beyond loopback without a password is refused unless --protected-mode no", async () => {
  const args = ["node", "--host", "0.0.0.0", "--port", "0", "--data", join(dir.path, "open")];
  const env = { ...process.env };
  delete env.RINGKV_PASSWORD;
  const refused = await runRingkv(args, undefined, 15_000, env);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0 without a password/);
  const allowed = await startRingkv([...args, "--protected-mode", "no"], "storage node ready", 15_000, env);
  await stopGracefully(allowed);
});
