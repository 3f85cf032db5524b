import assert from "node:assert/strict";
import { test } from "node:test";
import { LockTable } from "./coordinator-locks.js";

test("transactions run in arrival order per key, different keys in parallel", () => {
  const locks = new LockTable(10);
  assert.equal(locks.enqueue("1.1", ["a"]), null);
  assert.equal(locks.enqueue("1.2", ["b"]), null);
  assert.equal(locks.enqueue("1.3", ["a", "b"]), null);
  assert.ok(locks.holdsAll("1.1", ["a"]));
  assert.ok(locks.holdsAll("1.2", ["b"]));
  assert.ok(!locks.holdsAll("1.3", ["a", "b"]));
  assert.equal(locks.waiting, 2, "1.3 waits behind 1.1 on a and behind 1.2 on b");
  assert.deepEqual(locks.release("1.1", ["a"]), ["1.3"]);
  assert.equal(locks.waiting, 1);
  assert.ok(!locks.holdsAll("1.3", ["a", "b"]), "still behind 1.2 on b");
  assert.deepEqual(locks.release("1.2", ["b"]), ["1.3"]);
  assert.ok(locks.holdsAll("1.3", ["a", "b"]));
  assert.deepEqual(locks.release("1.3", ["a", "b"]), []);
  assert.equal(locks.lockedKeys, 0);
  assert.equal(locks.waiting, 0);
});

test("a full queue refuses the whole transaction and names the key", () => {
  const locks = new LockTable(2);
  locks.enqueue("1.1", ["a"]);
  locks.enqueue("1.2", ["a"]);
  assert.deepEqual(locks.enqueue("1.3", ["b", "a"]), { fullKey: "a", queued: 2 });
  assert.equal(locks.holder("b"), undefined, "nothing was enqueued on b");
});

test("a waiting transaction can leave its queues without disturbing the holder", () => {
  const locks = new LockTable(5);
  locks.enqueue("1.1", ["a"]);
  locks.enqueue("1.2", ["a"]);
  locks.enqueue("1.3", ["a"]);
  assert.deepEqual(locks.release("1.2", ["a"]), []);
  assert.deepEqual(locks.release("1.1", ["a"]), ["1.3"]);
});

test("releasing a key one is not queued on is a bug", () => {
  const locks = new LockTable(5);
  assert.throws(() => locks.release("1.1", ["a"]), /not queued on/);
});
