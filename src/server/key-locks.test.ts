import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyLocks } from "./key-locks.js";

test("a read waits for an earlier write on the same key, not on other keys", () => {
  const locks = new KeyLocks();
  locks.acquire(["a"], true);
  assert.equal(locks.conflicts(["a"], false), true);
  assert.equal(locks.conflicts(["b"], false), false);
  assert.equal(locks.conflicts(["b", "a"], false), true);
});

test("a write waits for earlier reads and writes of its keys; reads share", () => {
  const locks = new KeyLocks();
  locks.acquire(["a"], false);
  assert.equal(locks.conflicts(["a"], false), false);
  assert.equal(locks.conflicts(["a"], true), true);
  assert.equal(locks.conflicts(["b"], true), false);
});

test("locks are counted: the key frees after the last holder releases", () => {
  const locks = new KeyLocks();
  locks.acquire(["a"], true);
  locks.acquire(["a"], true);
  locks.release(["a"], true);
  assert.equal(locks.conflicts(["a"], false), true);
  locks.release(["a"], true);
  assert.equal(locks.conflicts(["a"], false), false);
  assert.equal(locks.idle, true);
});

test("releasing a key that is not held is a bug and throws", () => {
  assert.throws(() => new KeyLocks().release(["a"], false), /not held/);
});
