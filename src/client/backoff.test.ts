import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelayMs } from "./backoff.js";

describe("backoffDelayMs", () => {
  it("doubles from the base and stops at the cap", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, 50, 2000)), [50, 100, 200, 400, 800, 1600, 2000]);
    assert.equal(backoffDelayMs(1000, 50, 2000), 2000);
  });

  it("refuses a negative or fractional attempt", () => {
    assert.throws(() => backoffDelayMs(-1, 50, 2000), RangeError);
    assert.throws(() => backoffDelayMs(0.5, 50, 2000), RangeError);
  });
});
