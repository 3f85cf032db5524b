// Measures KVStore on this machine (figures for docs/BENCHMARKS.md). Each run uses a fresh
// directory under /tmp and removes it. Print JSON, one line per run.
//   node dist/test/measure/store-bench.js writes WRITERS SECONDS   durable writes, WRITERS in flight
//   node dist/test/measure/store-bench.js reads KEYS SECONDS       synchronous gets of random keys
//   node dist/test/measure/store-bench.js load KEYS                KEYS x 100-byte values; RSS and disk size

import { KVStore } from "../../src/storage/kv-store.js";
import { withTempDir } from "../support/temp-dir.js";

const VALUE_BYTES = 100;
const LOAD_BATCH_KEYS = 1000;
const LOAD_BATCHES_IN_FLIGHT = 8;
const FILL_BATCH_KEYS = 10_000;

/** xorshift32: cheap, repeatable keys spread over the whole tree, as hashed user keys are. */
function randomKeys(seed: number): () => Buffer {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return Buffer.from(`key:${state.toString(16).padStart(8, "0")}`);
  };
}

function keyOf(i: number): Buffer {
  return Buffer.from(`key:${i}`);
}

async function benchWrites(writers: number, seconds: number): Promise<object> {
  return withTempDir(async (dir) => {
    const store = await KVStore.open(dir, { kind: "node" });
    const value = Buffer.alloc(VALUE_BYTES, 0x61);
    const latenciesMs: number[] = [];
    const endAt = performance.now() + seconds * 1000;
    const writer = async (seed: number) => {
      const nextKey = randomKeys(seed);
      while (performance.now() < endAt) {
        const startedAt = performance.now();
        await store.write([{ db: "data", key: nextKey(), value }]);
        latenciesMs.push(performance.now() - startedAt);
      }
    };
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w + 1)));
    const elapsedS = (performance.now() - startedAt) / 1000;
    const stats = store.stats();
    await store.close();
    latenciesMs.sort((a, b) => a - b);
    const percentile = (p: number) => round(latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))] ?? NaN, 2);
    return {
      run: "writes",
      writers,
      writesPerS: Math.round(stats.batches / elapsedS),
      commitsPerS: Math.round(stats.commits / elapsedS),
      writesPerCommit: round(stats.batches / stats.commits, 1),
      latencyMs: { p50: percentile(0.5), p99: percentile(0.99) },
    };
  });
}

async function benchReads(keys: number, seconds: number): Promise<object> {
  return withTempDir(async (dir) => {
    const store = await KVStore.open(dir, { kind: "node" });
    const value = Buffer.alloc(VALUE_BYTES, 0x62);
    for (let first = 0; first < keys; first += FILL_BATCH_KEYS) {
      const count = Math.min(FILL_BATCH_KEYS, keys - first);
      await store.write(Array.from({ length: count }, (_, i) => ({ db: "data" as const, key: keyOf(first + i), value })));
    }
    const lookups = Array.from({ length: 4096 }, (_, i) => keyOf((i * 2_654_435_761) % keys));
    let reads = 0;
    let found = 0;
    const startedAt = performance.now();
    const endAt = startedAt + seconds * 1000;
    while (performance.now() < endAt) {
      for (const key of lookups) if (store.get("data", key) !== undefined) found++;
      reads += lookups.length;
    }
    const elapsedS = (performance.now() - startedAt) / 1000;
    await store.close();
    if (found !== reads) throw new Error(`only ${found} of ${reads} reads found their key`);
    return { run: "reads", keys, readsPerS: Math.round(reads / elapsedS) };
  });
}

async function benchLoad(keys: number): Promise<object> {
  return withTempDir(async (dir) => {
    const store = await KVStore.open(dir, { kind: "node" });
    const value = Buffer.alloc(VALUE_BYTES, 0x63);
    let next = 0;
    const loader = async () => {
      while (next < keys) {
        const first = next;
        next = Math.min(keys, next + LOAD_BATCH_KEYS);
        await store.write(Array.from({ length: next - first }, (_, i) => ({ db: "data" as const, key: keyOf(first + i), value })));
      }
    };
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: LOAD_BATCHES_IN_FLIGHT }, loader));
    const elapsedS = (performance.now() - startedAt) / 1000;
    const stats = store.stats();
    const count = store.count("data");
    const memory = process.memoryUsage();
    await store.close();
    if (count !== keys) throw new Error(`loaded ${keys} keys, the store counts ${count}`);
    return {
      run: "load",
      keys,
      seconds: round(elapsedS, 1),
      keysPerS: Math.round(keys / elapsedS),
      fileMiB: round(stats.fileBytes / 2 ** 20, 1),
      rssMiB: round(memory.rss / 2 ** 20, 1),
      heapUsedMiB: round(memory.heapUsed / 2 ** 20, 1),
      mapSizeMiB: round(stats.mapSizeBytes / 2 ** 20, 1),
    };
  });
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const [run, first, second] = process.argv.slice(2);
const runs: Record<string, () => Promise<object>> = {
  writes: () => benchWrites(Number(first), Number(second)),
  reads: () => benchReads(Number(first), Number(second)),
  load: () => benchLoad(Number(first)),
};
const chosen = run === undefined ? undefined : runs[run];
if (chosen === undefined || first === undefined) {
  console.error("usage: store-bench.js writes WRITERS SECONDS | reads KEYS SECONDS | load KEYS");
  process.exitCode = 2;
} else {
  console.log(JSON.stringify(await chosen()));
}
