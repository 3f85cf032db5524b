import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupCommit } from "./wal-group-commit.js";

const record = (text: string) => Buffer.from(text);

/** A flush the test releases by hand, recording each group it was given. */
function manualFlush(): { flush: (records: Buffer[]) => Promise<void>; groups: string[][]; release(error?: Error): void } {
  const groups: string[][] = [];
  const pending: Array<{ resolve(): void; reject(error: Error): void }> = [];
  return {
    groups,
    flush: (records) => {
      groups.push(records.map(String));
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
    release(error) {
      const next = pending.shift();
      if (!next) throw new Error("no flush is in flight");
      if (error) next.reject(error);
      else next.resolve();
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("GroupCommit", () => {
  it("flushes the appends of one turn together, and everything that waited during a flush in the next one", async () => {
    const manual = manualFlush();
    const commit = new GroupCommit(manual.flush);
    const settled: string[] = [];
    const append = (text: string) => commit.append(record(text)).then(() => settled.push(text));
    const first = [append("a"), append("b")];
    await turn();
    assert.deepEqual(manual.groups, [["a", "b"]]);
    const second = [append("c"), append("d"), append("e")];
    await turn();
    assert.deepEqual(manual.groups, [["a", "b"]], "no second flush while the first is in flight");
    assert.deepEqual(settled, [], "nothing is acknowledged before its flush ends");
    manual.release();
    await Promise.all(first);
    await turn();
    assert.deepEqual(manual.groups, [["a", "b"], ["c", "d", "e"]]);
    assert.deepEqual(settled, ["a", "b"]);
    manual.release();
    await Promise.all(second);
    assert.deepEqual(settled, ["a", "b", "c", "d", "e"], "in append order");
    await commit.drained();
  });

  it("rejects every waiter of a failed flush with its error, and flushes the next group anew", async () => {
    const manual = manualFlush();
    const commit = new GroupCommit(manual.flush);
    const failed = [commit.append(record("a")), commit.append(record("b"))];
    await turn();
    const later = commit.append(record("c"));
    manual.release(new Error("EIO"));
    for (const promise of failed) await assert.rejects(promise, /EIO/);
    await turn();
    assert.deepEqual(manual.groups, [["a", "b"], ["c"]]);
    manual.release();
    await later;
  });
});
