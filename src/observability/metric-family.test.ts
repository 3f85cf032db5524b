import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { LatencyHistogram } from "./latency-histogram.js";
import { Families } from "./metric-family.js";

test("families read their values at scrape time and print in Prometheus's text format", async () => {
  const registry = new Registry();
  const families = new Families(registry);
  let calls = 0;
  const histogram = new LatencyHistogram();
  families.counter("ringkv_things_total", "Things.", () => [{ labels: { kind: "a" }, value: ++calls }]);
  families.gauge("ringkv_level", "A level.", () => [{ value: 7 }]);
  families.histogram("ringkv_wait_seconds", "Waits.", () => [{ labels: { stage: "x" }, histogram }]);
  histogram.record(0.0003);
  histogram.record(0.2);
  const text = await registry.metrics();
  assert.match(text, /# TYPE ringkv_things_total counter\nringkv_things_total\{kind="a"\} 1\n/);
  assert.match(text, /# TYPE ringkv_level gauge\nringkv_level 7\n/);
  assert.match(text, /ringkv_wait_seconds_bucket\{stage="x",le="0.00025"\} 0\n/);
  assert.match(text, /ringkv_wait_seconds_bucket\{stage="x",le="0.0005"\} 1\n/, "cumulative buckets");
  assert.match(text, /ringkv_wait_seconds_bucket\{stage="x",le="0.25"\} 2\n/);
  assert.match(text, /ringkv_wait_seconds_bucket\{stage="x",le="\+Inf"\} 2\n/);
  assert.match(text, /ringkv_wait_seconds_count\{stage="x"\} 2\n/);
  assert.match(await registry.metrics(), /ringkv_things_total\{kind="a"\} 2\n/, "read again at the next scrape");
});

test("names keep Prometheus's conventions", () => {
  const families = new Families(new Registry());
  assert.throws(() => families.counter("ringkv_things", "x", () => []), /_total/);
  assert.throws(() => families.histogram("ringkv_wait_ms", "x", () => []), /seconds/);
});
