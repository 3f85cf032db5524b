import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { RespValue } from "../../codec/resp-decoder.js";
import { ConnectionError, ServerError } from "../../client/errors.js";
import { Shell, type ShellTarget } from "./shell.js";

/** A target that records what was sent and answers from a table (or fails as told). */
class FakeTarget implements ShellTarget {
  readonly address = "127.0.0.1:17399";
  sent: string[][] = [];
  constructor(private readonly answer: (args: string[]) => RespValue | Error = () => "OK") {}

  async command(...args: Array<string | Buffer>): Promise<RespValue> {
    const words = args.map(String);
    this.sent.push(words);
    const answer = this.answer(words);
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

function shellFor(target: FakeTarget, mode: "human" | "raw" = "human"): { shell: Shell; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const shell = new Shell(target, mode, { reply: (bytes) => out.push(bytes.toString()), error: (text) => err.push(text) });
  return { shell, out, err };
}

describe("Shell", () => {
  it("sends put/get/delete in both forms as SET/GET/DEL", async () => {
    const target = new FakeTarget();
    const { shell } = shellFor(target);
    for (const line of ['put k "a b"', 'put("k", "a b")', "get k", 'get("k")', "delete k j", 'delete("k")']) {
      assert.notEqual(await shell.runLine(line), "error", line);
    }
    assert.deepEqual(target.sent, [["SET", "k", "a b"], ["SET", "k", "a b"], ["GET", "k"], ["GET", "k"], ["DEL", "k", "j"], ["DEL", "k"]]);
  });

  it("sends any other word as typed", async () => {
    const target = new FakeTarget(() => 42);
    const { shell, out } = shellFor(target);
    assert.equal(await shell.runLine("config get maxclients"), "reply");
    assert.deepEqual(target.sent, [["config", "get", "maxclients"]]);
    assert.deepEqual(out, ["(integer) 42"]);
  });

  it("prints (nil) and reports a nil outcome", async () => {
    const { shell, out } = shellFor(new FakeTarget(() => null));
    assert.equal(await shell.runLine("get missing"), "nil");
    assert.deepEqual(out, ["(nil)"]);
  });

  it("refuses a wrong argument count before sending anything", async () => {
    const target = new FakeTarget();
    const { shell, err } = shellFor(target);
    assert.equal(await shell.runLine("put k"), "error");
    assert.deepEqual(err, ["(error) wrong number of arguments (1) for put; usage: put <key> <value> [NX|XX]"]);
    assert.equal(target.sent.length, 0);
  });

  it("shows a parse error", async () => {
    const { shell, err } = shellFor(new FakeTarget());
    assert.equal(await shell.runLine('put k "open'), "error");
    assert.match(err[0]!, /^\(error\) unbalanced quotes/);
  });

  it("answers help and exit itself", async () => {
    const target = new FakeTarget();
    const { shell, out } = shellFor(target);
    assert.equal(await shell.runLine("help"), "reply");
    assert.match(out[0]!, /put <key> <value>/);
    assert.equal(await shell.runLine("QUIT"), "exit");
    assert.equal(await shell.runLine("exit"), "exit");
    assert.equal(await shell.runLine("   "), "empty");
    assert.equal(target.sent.length, 0);
  });

  it("shows the server's error text as redis-cli does", async () => {
    const reply = "ERR unknown command 'FOO'";
    const { shell, err } = shellFor(new FakeTarget(() => new ServerError("ERR", `FOO failed: ${reply}`, { reply })));
    assert.equal(await shell.runLine("foo"), "error");
    assert.deepEqual(err, [`(error) ${reply}`]);
  });

  it("explains that nodes needs a coordinator when the server does not know RINGKV", async () => {
    const reply = "ERR unknown command 'RINGKV', with args beginning with: 'NODES'";
    const { shell, err } = shellFor(new FakeTarget(() => new ServerError("ERR", `RINGKV NODES failed: ${reply}`, { reply })));
    assert.equal(await shell.runLine("nodes"), "error");
    assert.match(err[0]!, /^\(error\) RINGKV NODES is answered by a ringkv coordinator only, and 127\.0\.0\.1:17399 is not one/);
  });

  it("shows a connection failure", async () => {
    const { shell, err } = shellFor(new FakeTarget(() => new ConnectionError("cannot connect to 127.0.0.1:17399: ECONNREFUSED (nothing was sent)")));
    assert.equal(await shell.runLine("get k"), "error");
    assert.match(err[0]!, /^\(error\) cannot connect to 127\.0\.0\.1:17399/);
  });

  it("shows INFO as lines, even on a terminal", async () => {
    const { shell, out } = shellFor(new FakeTarget(() => Buffer.from("# Server\r\nversion:1\r\n")));
    await shell.runLine("info server");
    assert.deepEqual(out, ["# Server\nversion:1"]);
  });

  it("shows nodes as a table at a terminal, and as redis-cli's lines when raw", async () => {
    const row = ["id", "node-1", "address", "127.0.0.1:7001", "state", "up"].map((word) => Buffer.from(word));
    const human = shellFor(new FakeTarget(() => [row]));
    await human.shell.runLine("nodes");
    assert.match(human.out[0]!, /^id +address +state .*\nnode-1 +127\.0\.0\.1:7001 +up /);
    const raw = shellFor(new FakeTarget(() => [row]), "raw");
    await raw.shell.runLine("nodes");
    assert.deepEqual(raw.out, ["id\nnode-1\naddress\n127.0.0.1:7001\nstate\nup"]);
  });

  it("never throws, whatever is typed", async () => {
    const target = new FakeTarget((args) => (args.length % 2 === 0 ? null : new ServerError("ERR", "no", { reply: "ERR no" })));
    const { shell } = shellFor(target, "raw");
    const line = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }),
      fc.array(fc.constantFrom("get", "put", "nodes", "help", "(", ")", '"', "'", "\\", " ", ",", "x"), { maxLength: 12 }).map((parts) => parts.join("")));
    await fc.assert(fc.asyncProperty(line, async (text) => {
      const outcome = await shell.runLine(text);
      assert.ok(["empty", "reply", "nil", "error", "exit"].includes(outcome));
    }), { numRuns: 2000 });
  });
});
