// TLS end to end with a self-signed set (openssl): a coordinator and two storage nodes whose
// links run over TLS with client certificates; redis-cli --tls, ioredis and ringkv's own client
// read and write through it; a client without TLS gets nothing; and a node whose certificate
// another CA signed is refused at the link, however right its secret.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { connect } from "../../src/client/connect.js";
import { selfSignedTls } from "../../src/runtime/tls-files.js";
import { waitUntil } from "../support/cluster.js";
import { runRingkv, startRingkv, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

const opensslMissing = spawnSync("openssl", ["version"]).error === undefined ? false : "the openssl command is not installed";
const dir = tempDir("tls");
const processes: RingkvProcess[] = [];
let port = 0;
let ca = "";

function env(tls: { cert: string; key: string; ca: string }): NodeJS.ProcessEnv {
  return { ...process.env, RINGKV_SECRET: "a-cluster-secret-of-enough-bytes", RINGKV_TLS_CERT: tls.cert, RINGKV_TLS_KEY: tls.key, RINGKV_TLS_CA: tls.ca };
}

async function startNode(id: string, tls: { cert: string; key: string; ca: string }): Promise<RingkvProcess> {
  const node = await startRingkv(["node", "--join", `127.0.0.1:${port}`, "--port", "0", "--data", join(dir.path, id), "--id", id],
    "storage node ready", 15_000, env(tls));
  processes.push(node);
  return node;
}

before(async () => {
  if (opensslMissing) return;
  const tls = selfSignedTls(join(dir.path, "tls"));
  ca = tls.ca;
  const coordinator = await startRingkv(["coordinator", "--port", "0", "--data", join(dir.path, "coordinator"), "--replicas", "2", "--min-nodes", "2"],
    "coordinator ready", 15_000, env(tls));
  processes.push(coordinator);
  port = coordinator.port;
  const nodes = await Promise.all(["node-1", "node-2"].map((id) => startNode(id, tls)));
  await waitUntil("both nodes to join over TLS", () => nodes.every((node) => node.logs.some((line) => line.includes("joined the cluster"))), 15_000);
});

after(async () => {
  for (const p of processes.reverse()) await stopGracefully(p);
  dir.remove();
});

test("redis-cli --tls writes and reads through the coordinator", { skip: opensslMissing }, () => {
  const cli = (...args: string[]) => execFileSync("redis-cli", ["--tls", "--cacert", ca, "-p", String(port), ...args], { encoding: "utf8" }).trim();
  assert.equal(cli("mset", "a", "1", "b", "2"), "OK");
  assert.equal(cli("mget", "a", "b", "missing"), "1\n2");
});

test("ioredis with tls options, ringkv's own client and ringkv cli --tls-ca write and read", { skip: opensslMissing }, async () => {
  const redis = new Redis({ host: "127.0.0.1", port, tls: { ca: readFileSync(ca) }, maxRetriesPerRequest: 0 });
  try {
    assert.equal(await redis.set("io", "redis"), "OK");
    assert.equal(await redis.get("io"), "redis");
  } finally {
    redis.disconnect();
  }
  const client = await connect({ host: "127.0.0.1", port, tls: { ca: readFileSync(ca) } });
  try {
    assert.equal(await client.getString("io"), "redis");
  } finally {
    await client.close();
  }
  const cli = await runRingkv(["cli", "--port", String(port), "--tls-ca", ca, "get", "io"]);
  assert.deepEqual([cli.code, cli.stdout], [0, "redis\n"]);
});

test("a client without TLS gets no answer", { skip: opensslMissing }, () => {
  const plain = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8", timeout: 10_000 });
  assert.doesNotMatch(plain.stdout, /PONG/);
});

test("a node whose certificate another CA signed is refused at the link", { skip: opensslMissing }, async () => {
  const other = selfSignedTls(join(dir.path, "other-tls"));
  const stranger = await startNode("stranger", { cert: other.cert, key: other.key, ca });
  const coordinator = processes[0]!;
  await waitUntil("the coordinator to refuse the stranger's link", () =>
    coordinator.logs.some((line) => line.includes("refused a storage node's link without a certificate the CA signed")), 15_000);
  assert.ok(!stranger.logs.some((line) => line.includes("joined the cluster")));
});
