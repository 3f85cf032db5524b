import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Fifo } from "./fifo.js";

type Operation = { kind: "push"; value: number } | { kind: "shift" } | { kind: "pop" };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.integer().map((value) => ({ kind: "push", value }) as const),
  fc.constant({ kind: "shift" } as const),
  fc.constant({ kind: "pop" } as const),
);

test("Fifo behaves like an array used as a double-ended queue", () => {
  fc.assert(fc.property(fc.array(operation, { maxLength: 300 }), (operations) => {
    const fifo = new Fifo<number>();
    const model: number[] = [];
    for (const op of operations) {
      if (op.kind === "push") {
        fifo.push(op.value);
        model.push(op.value);
      } else if (op.kind === "shift") {
        assert.equal(fifo.shift(), model.shift());
      } else {
        assert.equal(fifo.pop(), model.pop());
      }
      assert.equal(fifo.length, model.length);
      for (let i = -1; i <= model.length; i++) assert.equal(fifo.at(i), model[i]);
    }
  }));
});
