import { test } from "node:test";
import assert from "node:assert/strict";
import { checkHello } from "./hello-check.js";

const good = { type: "hello", nodeId: "node-1", incarnation: "0f".repeat(16), address: "127.0.0.1:7001", proof: new Uint8Array(32) };

test("a well-formed hello passes, as its checked fields", () => {
  assert.deepEqual(checkHello(good), { hello: { nodeId: good.nodeId, incarnation: good.incarnation, address: good.address } });
});

test("a malformed hello is refused with the field, what it must be, and what came", () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /expected a hello, got null/],
    ["hello", /expected a hello, got "hello"/],
    [{ ...good, type: "welcome" }, /expected a hello, got a message of type "welcome"/],
    [{ ...good, nodeId: 7 }, /nodeId must be a string, got number/],
    [{ ...good, incarnation: undefined }, /incarnation must be 32 lowercase hex digits, got undefined \(is the node older/],
    [{ ...good, incarnation: "0f".repeat(15) }, /incarnation must be 32 .*got "(0f){15}"/],
    [{ ...good, incarnation: "0F".repeat(16) }, /incarnation must be 32 lowercase hex digits/],
    [{ ...good, incarnation: "x".repeat(1000) }, /got "x{64}"… \(1000 characters\)/],
    [{ ...good, nodeId: "node 1" }, /nodeId: a node id is made of letters, digits/],
    [{ ...good, nodeId: "n".repeat(65) }, /nodeId: a node id has at most 64 characters/],
    [{ ...good, address: { host: "x" } }, /address must be host:port of 1 to 300 characters, got object/],
    [{ ...good, address: "a".repeat(301) }, /address must be host:port .*\(301 characters\)/],
  ];
  for (const [raw, expected] of cases) {
    const checked = checkHello(raw);
    assert.ok("problem" in checked, JSON.stringify(raw));
    assert.match(checked.problem, expected);
  }
});
