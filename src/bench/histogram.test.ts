import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Histogram } from "./histogram.js";

/** The exact quantile by the same definition the histogram uses: rank ceil(q * n) of the sorted values. */
function exactQuantile(sorted: number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

const QUANTILES = [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

describe("Histogram", () => {
  it("reports every quantile within its relative error of the sorted answer, never below it", () => {
    const values = fc.array(fc.oneof(fc.nat(300), fc.integer({ min: 0, max: 2 ** 40 })), { minLength: 1, maxLength: 400 });
    fc.assert(fc.property(values, fc.integer({ min: 1, max: 10 }), (list, bits) => {
      const histogram = new Histogram({ subBucketBits: bits });
      for (const value of list) histogram.record(value);
      const sorted = [...list].sort((a, b) => a - b);
      for (const q of QUANTILES) {
        const exact = exactQuantile(sorted, q);
        const reported = histogram.quantile(q);
        assert.ok(reported >= exact, `q=${q}: ${reported} < exact ${exact}`);
        assert.ok(reported - exact <= exact * histogram.relativeErrorMax, `q=${q}: ${reported} vs exact ${exact}`);
      }
      assert.equal(histogram.count, list.length);
      assert.equal(histogram.max, sorted.at(-1));
      assert.equal(histogram.min, sorted[0]);
    }), { numRuns: 300 });
  });

  it("is exact below 2^subBucketBits", () => {
    const histogram = new Histogram({ subBucketBits: 7 });
    for (let value = 0; value < 128; value++) histogram.record(value);
    assert.equal(histogram.quantile(0.5), 63);
    assert.equal(histogram.quantile(1), 127);
    assert.equal(histogram.mean, 63.5);
  });

  it("handles values at and around every power of two", () => {
    for (let power = 8; power <= 40; power++) {
      for (const value of [2 ** power - 1, 2 ** power, 2 ** power + 1]) {
        const histogram = new Histogram();
        histogram.record(value);
        histogram.record(value);
        const reported = histogram.quantile(0.5);
        assert.ok(reported >= value && reported - value <= value / 128, `${value} -> ${reported}`);
      }
    }
  });

  it("clamps values past valueMax into the top bucket but keeps the max exact", () => {
    const histogram = new Histogram({ valueMax: 1000 });
    histogram.record(5);
    histogram.record(1e9);
    assert.equal(histogram.max, 1e9);
    assert.equal(histogram.quantile(1), 1e9);
    assert.ok(histogram.quantile(0.5) <= 5);
  });

  it("merges two histograms into the same answers as one that saw everything", () => {
    fc.assert(fc.property(fc.array(fc.nat(1e7)), fc.array(fc.nat(1e7)), (left, right) => {
      const a = new Histogram();
      const b = new Histogram();
      const both = new Histogram();
      for (const value of left) { a.record(value); both.record(value); }
      for (const value of right) { b.record(value); both.record(value); }
      a.merge(b);
      for (const q of QUANTILES) assert.equal(a.quantile(q), both.quantile(q));
      assert.equal(a.count, both.count);
      assert.equal(a.min, both.min);
    }));
  });

  it("survives a snapshot round trip (as across a worker thread)", () => {
    const histogram = new Histogram();
    for (const value of [5, 700, 123456, 9e9]) histogram.record(value);
    const copy = Histogram.fromSnapshot(structuredClone(histogram.snapshot()));
    for (const q of QUANTILES) assert.equal(copy.quantile(q), histogram.quantile(q));
    assert.deepEqual([copy.count, copy.min, copy.max, copy.mean], [histogram.count, histogram.min, histogram.max, histogram.mean]);
    assert.throws(() => Histogram.fromSnapshot(new Histogram({ subBucketBits: 3 }).snapshot()).merge(histogram), /different shapes/);
  });

  it("answers 0 when empty and counts many values", () => {
    const histogram = new Histogram();
    assert.equal(histogram.quantile(0.99), 0);
    assert.equal(histogram.count, 0);
    assert.equal(histogram.min, 0);
    for (let i = 0; i < 100_000; i++) histogram.record(i * 1000);
    assert.equal(histogram.count, 100_000);
  });

  it("rejects a quantile outside 0..1 and a bad shape", () => {
    assert.throws(() => new Histogram().quantile(1.5), RangeError);
    assert.throws(() => new Histogram().quantile(Number.NaN), RangeError);
    assert.throws(() => new Histogram({ subBucketBits: 0 }), RangeError);
    assert.throws(() => new Histogram().merge(new Histogram({ subBucketBits: 3 })), /different shapes/);
  });
});
