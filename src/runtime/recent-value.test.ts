import { test } from "node:test";
import assert from "node:assert/strict";
import { RecentValue } from "./recent-value.js";

function counter(): { fetch: () => Promise<number>; calls: () => number; fail: (on: boolean) => void } {
  let calls = 0;
  let failing = false;
  return {
    fetch: async () => {
      calls += 1;
      if (failing) throw new Error("node down");
      return calls;
    },
    calls: () => calls,
    fail: (on) => (failing = on),
  };
}

test("get() shares a fetch in flight and reuses a result until it is older than maxAgeMs", async () => {
  let nowMs = 0;
  const source = counter();
  const value = new RecentValue(source.fetch, 1000, () => nowMs);
  assert.deepEqual(await Promise.all([value.get(), value.get(), value.get()]), [1, 1, 1]);
  assert.equal(source.calls(), 1);
  nowMs = 1000;
  assert.equal(await value.get(), 1, "exactly maxAgeMs after its fetch began: still reused");
  nowMs = 1001;
  assert.equal(await value.get(), 2, "older: fetched again");
  assert.equal(source.calls(), 2);
});

test("fresh() always fetches, and its result is reused by get()", async () => {
  const nowMs = 0;
  const source = counter();
  const value = new RecentValue(source.fetch, 1000, () => nowMs);
  assert.equal(await value.get(), 1);
  assert.equal(await value.fresh(), 2);
  assert.equal(await value.fresh(), 3);
  assert.equal(await value.get(), 3);
  assert.equal(source.calls(), 3);
});

test("a slow fetch that began before a quicker one does not replace the quicker one's newer result", async () => {
  let nowMs = 0;
  const releases: Array<(value: string) => void> = [];
  const value = new RecentValue(() => new Promise<string>((resolve) => releases.push(resolve)), 1000, () => nowMs);
  const slow = value.fresh();
  nowMs = 10;
  const quick = value.fresh();
  releases[1]!("newer");
  assert.equal(await quick, "newer");
  releases[0]!("older");
  assert.equal(await slow, "older", "its own caller still gets it");
  assert.equal(await value.get(), "newer");
});

test("a failed fetch is not kept: the next get() tries again", async () => {
  const source = counter();
  const value = new RecentValue(source.fetch, 1000, () => 0);
  source.fail(true);
  await assert.rejects(value.get(), /node down/);
  source.fail(false);
  assert.equal(await value.get(), 2);
});
