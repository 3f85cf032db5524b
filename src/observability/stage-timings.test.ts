import { test } from "node:test";
import assert from "node:assert/strict";
import { AnswerTimer, heardFromNode, recordsLabel, sentToNode } from "./stage-timings.js";

test("a round trip is timed from the first send to the answer; a resend does not restart the clock", async () => {
  const timer = new AnswerTimer();
  sentToNode(timer, "1", { type: "prepare", txid: "1.1", writes: [], wantValues: false });
  await new Promise((resolve) => setTimeout(resolve, 30));
  sentToNode(timer, "1", { type: "prepare", txid: "1.1", writes: [], wantValues: false });
  heardFromNode(timer, "2", { type: "vote", txid: "1.1", yes: false, reason: "another node" });
  assert.equal(timer.awaiting, 1, "a vote from another connection answers nothing");
  heardFromNode(timer, "1", { type: "vote", txid: "1.1", yes: true, previous: [] });
  assert.equal(timer.awaiting, 0);
  const [label, histogram] = [...timer.histograms.entries()][0]!;
  assert.equal(label, "prepare");
  assert.equal(histogram!.count, 1);
  assert.ok(histogram!.sum >= 0.025, `${histogram!.sum} s`);
});

test("messages never answered are dropped oldest first at the bound", () => {
  const timer = new AnswerTimer(2);
  for (const txid of ["1.1", "1.2", "1.3"]) sentToNode(timer, "1", { type: "commit", txid });
  assert.equal(timer.awaiting, 2);
  heardFromNode(timer, "1", { type: "ack", txid: "1.1" });
  assert.equal(timer.awaiting, 2, "1.1 was dropped");
  heardFromNode(timer, "1", { type: "ack", txid: "1.3" });
  assert.equal(timer.awaiting, 1);
});

test("a durable write is labelled by the kinds of records it held", () => {
  assert.equal(recordsLabel([{ type: "decision" }]), "decision");
  assert.equal(recordsLabel([{ type: "members" }, { type: "decision" }, { type: "decision" }]), "decision+members");
});
