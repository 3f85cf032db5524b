#!/usr/bin/env node
// One load generator, two targets, so that ringkv and etcd are measured the same way:
// INFLIGHT workers, each in a loop "put a random key, wait for the answer, record the latency",
// for DURATION seconds after a warm-up. Every put is durable on both sides when answered
// (ringkv: replicated 2PC, decision fsync'd; etcd: raft entry fsync'd to its WAL).
//
//   ringkv: our pipelined client (dist/src/client/resp-connection.js), the workers spread over
//           CONNECTIONS connections; the command is SET.
//   etcd:   the etcd3 npm client (gRPC over one HTTP/2 connection, which multiplexes the
//           requests in flight as our RESP connection pipelines them); the request is a KV put.
//
// Usage (after `npx tsc -p .`):
//   node scripts/put-bench.js ringkv 127.0.0.1:17700 [--inflight 64] [--seconds 10] [--connections 1]
//   node scripts/put-bench.js etcd   127.0.0.1:17790 [--inflight 64] [--seconds 10]
// Common options: --keys 100000 (keyspace), --value-bytes 100, --warmup-seconds 2.
// Prints one JSON line: puts/s, p50/p99/max latency in ms, errors.
import { parseArgs } from "node:util";
import { RespConnection } from "../dist/src/client/resp-connection.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    inflight: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    "warmup-seconds": { type: "string", default: "2" },
    connections: { type: "string", default: "1" },
    keys: { type: "string", default: "100000" },
    "value-bytes": { type: "string", default: "100" },
  },
});
const [target, address] = positionals;
if ((target !== "ringkv" && target !== "etcd") || address === undefined) {
  console.error("usage: put-bench.js ringkv|etcd HOST:PORT [--inflight N] [--seconds S] [--connections C] [--keys K] [--value-bytes B]");
  process.exit(2);
}
const [host, portText] = address.split(":");
const port = Number(portText);
const inflight = Number(values.inflight);
const seconds = Number(values.seconds);
const warmupSeconds = Number(values["warmup-seconds"]);
const keyCount = Number(values.keys);
const value = Buffer.alloc(Number(values["value-bytes"]), "v");

const keyOf = () => `key:${String(Math.floor(Math.random() * keyCount)).padStart(12, "0")}`;

const PUT_TIMEOUT_MS = 30_000;

async function ringkvPut() {
  const connections = await Promise.all(Array.from({ length: Number(values.connections) }, () =>
    RespConnection.connect({ host, port, pendingMax: inflight })));
  let next = 0;
  return {
    put: (key) => connections[next++ % connections.length].send(["SET", key, value], { timeoutMs: PUT_TIMEOUT_MS }),
    close: () => connections.forEach((connection) => connection.close()),
  };
}

async function etcdPut() {
  const { Etcd3 } = await import("etcd3"); // only this target needs it
  const etcd = new Etcd3({ hosts: `http://${host}:${port}` });
  const put = (key) => {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PUT_TIMEOUT_MS} ms`)), PUT_TIMEOUT_MS);
    });
    return Promise.race([etcd.put(key).value(value), timeout]).finally(() => clearTimeout(timer));
  };
  return { put, close: () => etcd.close() };
}

const client = target === "ringkv" ? await ringkvPut() : await etcdPut();
const latenciesMs = [];
let errors = 0;
let firstError;
let measuring = false;
let stopped = false;

async function worker() {
  while (!stopped) {
    const startMs = performance.now();
    try {
      await client.put(keyOf());
      if (measuring) latenciesMs.push(performance.now() - startMs);
    } catch (error) {
      if (!measuring) continue; // like the latencies: only what happens in the measured window
      errors += 1;
      firstError ??= error.message;
    }
  }
}

const workers = Array.from({ length: inflight }, worker);
await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
measuring = true;
const startMs = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const elapsedS = (performance.now() - startMs) / 1000;
stopped = true;
await Promise.allSettled(workers);
client.close();

latenciesMs.sort((a, b) => a - b);
const at = (q) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? NaN;
console.log(JSON.stringify({
  target, inflight, connections: target === "ringkv" ? Number(values.connections) : 1,
  putsPerSecond: Math.round(latenciesMs.length / elapsedS),
  p50Ms: +at(0.5).toFixed(2), p99Ms: +at(0.99).toFixed(2), maxMs: +at(1).toFixed(2),
  errors, ...(firstError ? { firstError } : {}),
}));
