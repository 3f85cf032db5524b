// SLOWLOG, LATENCY, MONITOR and `redis-cli --stat`, side by side with a real redis-server, both
// seen through redis-cli: the same commands must give the same replies once what differs by
// nature (times, durations, ids, client ports) is masked.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { sleep } from "../support/cluster.js";
import { REDIS_CLI, redisMissing, startRedisServer, type RedisServer } from "../support/redis-server.js";
import { startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

const run = promisify(execFile);
let redis: RedisServer;
let ringkv: RingkvProcess;
const dir = tempDir("diagnostics");

before(async () => {
  if (redisMissing) return;
  [redis, ringkv] = await Promise.all([startRedisServer(), startNode(dir.path)]);
});

after(async () => {
  await Promise.all([redis?.stop(), ringkv && stopGracefully(ringkv)]);
  dir.remove();
});

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run(REDIS_CLI, ["-p", String(port), ...args], { timeout: 10_000 })).stdout;
}

/** The same commands against both servers, one connection each (redis-cli with arguments). */
async function both(commands: string[][]): Promise<void> {
  for (const port of [redis.port, ringkv.port]) for (const command of commands) await cli(port, ...command).catch(() => undefined);
}

const COMMANDS = [
  ["set", "a b", 'x"y\\z\nnl'], ["get", "a b"], ["mget", "a b", "none"], ["auth", "not-configured"], ["config", "get", "port"],
  ["exists", "a b"], ["del", "a b"], ["echo", "héllo"], ["client", "setname", "me"], ["set", "long", "v".repeat(200)],
];

test("MONITOR shows the same lines as redis-server's", { skip: redisMissing }, async () => {
  const lines = await Promise.all([redis.port, ringkv.port].map(async (port) => {
    const monitor = spawn(REDIS_CLI, ["-p", String(port), "monitor"]);
    let output = "";
    monitor.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("latin1")));
    await sleep(300);
    for (const command of COMMANDS) await cli(port, ...command).catch(() => undefined);
    await sleep(300);
    monitor.kill();
    return output.split("\n").filter(Boolean).map((line) => line.replace(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] /, "T [0 ADDR] "));
  }));
  assert.ok(lines[0]!.length >= 8, lines[0]!.join("\n"));
  assert.deepEqual(lines[1], lines[0]);
});

test("SLOWLOG GET, LEN and RESET answer as redis-server's do", { skip: redisMissing }, async () => {
  await both([["config", "set", "slowlog-log-slower-than", "0"], ["slowlog", "reset"]]);
  await both(COMMANDS);
  await both([["config", "set", "slowlog-log-slower-than", "-1"]]);
  const masked = async (port: number) => (await cli(port, "slowlog", "get", "-1"))
    // id, time and duration of each entry, then the client's address: lines that differ by nature.
    .split("\n").map((line) => line.replace(/^\d+$/, "N").replace(/^127\.0\.0\.1:\d+$/, "ADDR")).join("\n");
  const [fromRedis, fromRingkv] = [await masked(redis.port), await masked(ringkv.port)];
  assert.match(fromRedis, /\.\.\. \(72 more bytes\)/);
  assert.equal(fromRingkv, fromRedis);
  assert.equal(await cli(ringkv.port, "slowlog", "len"), await cli(redis.port, "slowlog", "len"));
  for (const port of [redis.port, ringkv.port]) assert.equal(await cli(port, "slowlog", "reset"), "OK\n");
  assert.equal(await cli(ringkv.port, "slowlog", "get", "-2"), await cli(redis.port, "slowlog", "get", "-2"));
  await both([["config", "set", "slowlog-log-slower-than", "10000"]]);
});

test("LATENCY and CONFIG GET of the thresholds answer as redis-server's do", { skip: redisMissing }, async () => {
  for (const command of [["latency", "reset"], ["latency", "latest"], ["latency", "history", "command"],
    ["config", "get", "latency-monitor-threshold"], ["config", "set", "slowlog-max-len", "x"], ["latency", "nosuch"]]) {
    assert.equal(await cli(ringkv.port, ...command), await cli(redis.port, ...command), command.join(" "));
  }
  // CONFIG GET's pairs come in the order of Redis's hash table, which differs from run to run.
  const pairs = async (port: number) => {
    const lines = (await cli(port, "config", "get", "slowlog-*")).trim().split("\n");
    return lines.flatMap((line, i) => (i % 2 === 0 ? [`${line}=${lines[i + 1]}`] : [])).sort();
  };
  assert.deepEqual(await pairs(ringkv.port), await pairs(redis.port));
});

test("redis-cli --stat works: the keys, clients and requests columns follow the server", { skip: redisMissing }, async () => {
  await cli(ringkv.port, "mset", "s1", "1", "s2", "2", "s3", "3");
  // Unbuffered: redis-cli's output to a pipe is block-buffered, and it is stopped, not ended.
  const stat = spawn("stdbuf", ["-o0", REDIS_CLI, "-p", String(ringkv.port), "--stat", "-i", "0.3"]);
  let output = "";
  stat.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await sleep(1_200);
  stat.kill();
  const [header, columns, ...rows] = output.split("\n").filter(Boolean);
  assert.match(header!, /^------- data ------ -+ load -+ - child -$/);
  assert.match(columns!, /^keys +mem +clients +blocked +requests +connections/);
  assert.ok(rows.length >= 2, output);
  const keys = await cli(ringkv.port, "dbsize");
  for (const row of rows) assert.match(row, new RegExp(`^${keys.trim()} +[\\d.]+[KMG]? +1 +0 +\\d+ \\(\\+\\d+\\) +\\d+`), row);
});
