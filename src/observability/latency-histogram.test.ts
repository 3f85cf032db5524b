import { test } from "node:test";
import assert from "node:assert/strict";
import { addCounts, LATENCY_BOUNDS_SECONDS, LatencyHistogram, quantile } from "./latency-histogram.js";

test("a recording lands in the first bucket whose bound it does not exceed; above every bound in the last", () => {
  const histogram = new LatencyHistogram();
  histogram.record(0.00005); // exactly the first bound
  histogram.record(0.0003); // (0.00025, 0.0005]
  histogram.record(99);
  assert.equal(histogram.counts[0], 1);
  assert.equal(histogram.counts[LATENCY_BOUNDS_SECONDS.indexOf(0.0005)], 1);
  assert.equal(histogram.counts[LATENCY_BOUNDS_SECONDS.length], 1);
  assert.equal(histogram.count, 3);
  assert.ok(Math.abs(histogram.sum - 99.00035) < 1e-9);
});

test("quantiles interpolate inside the bucket, as Prometheus's histogram_quantile does", () => {
  const histogram = new LatencyHistogram();
  for (let i = 0; i < 100; i++) histogram.record(0.0015); // all in (0.001, 0.0025]
  assert.equal(quantile(histogram, 0.5), 0.001 + 0.0015 * 0.5);
  assert.equal(quantile(histogram, 1), 0.0025);
  assert.equal(quantile(new LatencyHistogram(), 0.5), undefined);
  histogram.record(50);
  assert.equal(quantile(histogram, 1), 10, "above the last bound answers the last bound");
});

test("since() gives what was recorded after a snapshot; addCounts sums histograms", () => {
  const histogram = new LatencyHistogram();
  histogram.record(0.002);
  const before = histogram.snapshot();
  histogram.record(0.2);
  histogram.record(0.2);
  const recent = histogram.since(before);
  assert.equal(recent.count, 2);
  assert.equal(recent.counts[LATENCY_BOUNDS_SECONDS.indexOf(0.25)], 2);
  assert.equal(recent.counts[LATENCY_BOUNDS_SECONDS.indexOf(0.0025)], 0);
  const sum = addCounts([recent, before]);
  assert.equal(sum.count, 3);
  assert.ok(Math.abs(sum.sum - 0.402) < 1e-9);
});
