import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { RespValue } from "../../codec/resp-decoder.js";
import { EXIT_NIL, EXIT_OK, runOnce } from "./run-modes.js";

function terminal(): { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough; text(stream: PassThrough): string } {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), text: (stream) => String(stream.read() ?? "") };
}

function target(answer: (words: string[]) => RespValue): { address: string; sent: string[][]; command(...args: Array<string | Buffer>): Promise<RespValue> } {
  const sent: string[][] = [];
  return {
    address: "127.0.0.1:17399",
    sent,
    command: async (...args) => {
      const words = args.map(String);
      sent.push(words);
      return answer(words);
    },
  };
}

test("one shot: the words of the command line are the command, a value with spaces stays one word", async () => {
  const server = target(() => "OK");
  const io = terminal();
  assert.equal(await runOnce(server, ["put", "k", "a b"], "raw", io), EXIT_OK);
  assert.deepEqual(server.sent, [["SET", "k", "a b"]]);
  assert.equal(io.text(io.stdout), "OK\n");
});

test("one shot: a single word in the call form is parsed like a shell line", async () => {
  const server = target((words) => (words[0] === "GET" ? null : "OK"));
  const io = terminal();
  assert.equal(await runOnce(server, ['put("k", "a b")'], "raw", io), EXIT_OK);
  assert.equal(await runOnce(server, ['get("k")'], "raw", io), EXIT_NIL);
  assert.deepEqual(server.sent, [["SET", "k", "a b"], ["GET", "k"]]);
  assert.equal(io.text(io.stderr), "(nil)\n");
});
