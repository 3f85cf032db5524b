import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keyName, WorkloadGenerator } from "./workload.js";

/** A repeating sequence of "random" numbers, so every draw is known. */
function sequence(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

describe("WorkloadGenerator", () => {
  it("sends SETs of the value size for the set workload", () => {
    const generator = new WorkloadGenerator({ workload: "set", readRatio: 0.9, keyspace: 100, valueBytes: 7 }, sequence(0.5));
    const [name, key, value] = generator.next();
    assert.equal(name, "SET");
    assert.equal(key, "key:000000000050");
    assert.ok(Buffer.isBuffer(value) && value.length === 7);
  });

  it("sends GETs for the get workload, spread over the whole keyspace", () => {
    const generator = new WorkloadGenerator({ workload: "get", readRatio: 0.9, keyspace: 10, valueBytes: 1 }, sequence(0, 0.999));
    assert.deepEqual(generator.next(), ["GET", "key:000000000000"]);
    assert.deepEqual(generator.next(), ["GET", "key:000000000009"]);
  });

  it("mixes reads and writes by the read ratio", () => {
    const generator = new WorkloadGenerator({ workload: "mixed", readRatio: 0.75, keyspace: 1000, valueBytes: 1 });
    let reads = 0;
    for (let i = 0; i < 20_000; i++) if (generator.next()[0] === "GET") reads += 1;
    assert.ok(Math.abs(reads / 20_000 - 0.75) < 0.02, `read share ${reads / 20_000}`);
  });

  it("preloads every key once, in order", () => {
    const generator = new WorkloadGenerator({ workload: "get", readRatio: 1, keyspace: 3, valueBytes: 2 });
    const keys = [...generator.preloadPairs()].map(([key]) => key);
    assert.deepEqual(keys, [keyName(0), keyName(1), keyName(2)]);
  });
});
