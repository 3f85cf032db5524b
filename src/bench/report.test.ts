import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { reportJson, reportText, type BenchSettings } from "./report.js";
import type { BenchResult } from "./runner.js";

const settings: BenchSettings = {
  target: "127.0.0.1:6380", workload: "mixed", readRatio: 0.9, clients: 50, threads: 1, pipeline: 1,
  valueBytes: 100, keyspace: 100000, warmupMs: 0,
};

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    requests: 123456, elapsedMs: 2000, opsPerSec: 61728.4,
    latencyMs: { min: 0.01, mean: 0.2, p50: 0.1234, p95: 0.5, p99: 1, p999: 2.5, max: 9.87654 },
    latencyRelativeErrorMax: 1 / 128, errors: {}, errorsTotal: 0, clientsLost: 0, preloadedKeys: 0,
    ...overrides,
  };
}

describe("bench report", () => {
  it("prints throughput, every latency quantile and no errors", () => {
    const text = reportText(settings, result());
    assert.match(text, /mixed \(90% reads\) against 127\.0\.0\.1:6380: 50 clients, pipeline 1, 100-byte values/);
    assert.match(text, /requests {4}123,456 in 2\.00 s/);
    assert.match(text, /throughput {2}61,728 ops\/s/);
    assert.match(text, /p50 0\.123 {2}p95 0\.500 {2}p99 1\.000 {2}p99\.9 2\.500 {2}max 9\.877 {2}\(within 0\.8%\)/);
    assert.match(text, /errors {6}none/);
    assert.doesNotMatch(text, /lost|preloaded/);
  });

  it("lists errors by code, most frequent first, and lost connections", () => {
    const text = reportText(settings, result({ errors: { ERR: 2, TRYAGAIN: 1500 }, errorsTotal: 1502, clientsLost: 3, preloadedKeys: 100000 }));
    assert.match(text, /errors {6}1,502 \(TRYAGAIN 1,500, ERR 2\)/);
    assert.match(reportText({ ...settings, threads: 2 }, result()), /: 50 clients on 2 threads, pipeline 1/);
    assert.match(text, /lost {8}3 of 50 connections/);
    assert.match(text, /preloaded {3}100,000 keys/);
  });

  it("prints one JSON object with the settings and the figures", () => {
    const parsed = JSON.parse(reportJson(settings, result({ errors: { ERR: 1 }, errorsTotal: 1 })));
    assert.equal(parsed.opsPerSec, 61728);
    assert.equal(parsed.clients, 50);
    assert.equal(parsed.latencyMs.p999, 2.5);
    assert.deepEqual(parsed.errors, { ERR: 1 });
  });
});
