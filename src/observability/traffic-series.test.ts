import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandStats } from "./command-stats.js";
import { TrafficSeries } from "./traffic-series.js";

const get = { name: "get", write: false, flags: ["readonly", "fast"] };
const set = { name: "set", write: true, flags: ["write"] };

test("each sample is the rate and the latency of the second before it, by kind", () => {
  const stats = new CommandStats();
  const series = new TrafficSeries(stats, 2);
  assert.equal(series.sample(1_000), undefined, "the first sample only starts the clock");
  for (let i = 0; i < 100; i++) stats.record(get, 0.0002, undefined, false);
  for (let i = 0; i < 10; i++) stats.record(set, 0.02, i < 3 ? "TRYAGAIN" : undefined, true);
  const point = series.sample(3_000)!;
  assert.deepEqual([point.reads, point.writes, point.other, point.errors], [50, 5, 0, 1.5], "per second over the 2 s elapsed");
  assert.ok(point.readP99! > 0.1 && point.readP99! <= 0.25, String(point.readP99));
  assert.ok(point.writeP50! > 10 && point.writeP50! <= 25, String(point.writeP50));
  const quiet = series.sample(4_000)!;
  assert.deepEqual([quiet.reads, quiet.readP50], [0, null], "no reads in that second: no latency, not zero");
  series.sample(5_000);
  assert.equal(series.points().length, 2, "bounded");
  assert.equal(stats.reads.immediate.count, 100);
});
