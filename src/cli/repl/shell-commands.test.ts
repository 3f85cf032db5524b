import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkArity, completeLine, findShellCommand, helpText } from "./shell-commands.js";

function wire(name: string, ...args: string[]): string[] {
  const command = findShellCommand(name);
  assert.ok(command?.wire, `${name} is sent to the server`);
  return command.wire(args.map((arg) => Buffer.from(arg))).map(String);
}

describe("shell commands", () => {
  it("sends the original design's words as their Redis commands", () => {
    assert.deepEqual(wire("put", "k", "v", "NX"), ["SET", "k", "v", "NX"]);
    assert.deepEqual(wire("get", "k"), ["GET", "k"]);
    assert.deepEqual(wire("delete", "a", "b"), ["DEL", "a", "b"]);
    assert.deepEqual(wire("nodes"), ["RINGKV", "NODES"]);
    assert.deepEqual(wire("LOCATE", "k"), ["RINGKV", "LOCATE", "k"]);
    assert.equal(findShellCommand("help")?.wire, undefined);
    assert.equal(findShellCommand("dbsize"), undefined);
  });

  const arity: Array<[string, number, boolean]> = [
    ["get", 1, true], ["get", 0, false], ["get", 2, false],
    ["put", 2, true], ["put", 3, true], ["put", 1, false], ["put", 4, false],
    ["mset", 2, true], ["mset", 4, true], ["mset", 3, false],
    ["delete", 5, true], ["nodes", 0, true], ["nodes", 1, false], ["info", 1, true],
  ];
  for (const [name, count, fits] of arity) {
    it(`${fits ? "takes" : "refuses"} ${name} with ${count} arguments`, () => {
      const message = checkArity(findShellCommand(name)!, count);
      if (fits) assert.equal(message, undefined);
      else assert.match(message ?? "", new RegExp(`wrong number of arguments \\(${count}\\) for ${name}; usage: ${name}\\b`));
    });
  }

  it("explains every command in help, and one command on request", () => {
    const all = helpText();
    for (const name of ["get", "put", "delete", "nodes", "locate", "exit"]) assert.match(all, new RegExp(`\\n  ${name}`));
    assert.match(helpText("PUT"), /^put <key> <value> \[NX\|XX\]\n {2}store a value/);
    assert.match(helpText("dbsize"), /sent to the server as typed/);
  });

  it("completes the first word, keeping the case typed", () => {
    assert.deepEqual(completeLine("ge"), [["get"], "ge"]);
    assert.deepEqual(completeLine("DE"), [["DEL", "DELETE"], "DE"]);
    assert.deepEqual(completeLine("e"), [["exists", "exit"], "e"]);
    assert.deepEqual(completeLine("get k"), [[], "get k"]);
    assert.deepEqual(completeLine("zz"), [[], "zz"]);
  });
});
