import { test } from "node:test";
import assert from "node:assert/strict";
import { prettyLine, wantsColor } from "./log-format.js";

const ESC = "\u001b";
const line = (entry: Record<string, unknown>) => JSON.stringify({ time: "2026-12-06T02:04:06.905Z", pid: 7, ...entry });

test("a JSON line reads as time, level, who, message and its other fields", () => {
  const text = prettyLine(line({ level: "warn", role: "coordinator", nodeId: "node-2", msg: "storage node down: connection closed", silentTicks: 51 }), false);
  assert.match(text, /^\d\d:\d\d:\d\d\.905 {2}WARN {3}coordinator\/node-2 {2}storage node down: connection closed {2}silentTicks=51\n$/);
  assert.doesNotMatch(text, /pid=/);
  assert.ok(!text.includes(ESC), "no colour");
});

test("numeric pino levels are named; strings with spaces are quoted; an action gets its own line", () => {
  const text = prettyLine(line({ level: 30, msg: "cluster degraded", reasons: ["a b"], action: "start node-2 again", path: "two words" }), false);
  assert.match(text, / INFO  {2}cluster degraded {2}reasons=\["a b"\] path="two words"\n {4}→ start node-2 again\n$/);
});

test("an error's stack follows, indented; colour only when asked", () => {
  const text = prettyLine(line({ level: "error", msg: "boom", err: { message: "disk", stack: "Error: disk\n    at x" } }), true);
  assert.ok(text.includes(`${ESC}[31mERROR${ESC}[0m`));
  assert.match(text, /\n {4}Error: disk\n {8}at x\n$/);
});

test("a line that is not JSON passes unchanged", () => {
  assert.equal(prettyLine("plain text", false), "plain text\n");
});

test("colour: at a terminal unless NO_COLOR; FORCE_COLOR anywhere", () => {
  assert.equal(wantsColor({ isTTY: true }, {}), true);
  assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(wantsColor({ isTTY: false }, {}), false);
  assert.equal(wantsColor({ isTTY: false }, { FORCE_COLOR: "1" }), true);
});
