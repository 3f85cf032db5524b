// Hostile input against a real node: garbage bytes, oversized keys and values, absurd lengths,
// a data directory that is not ringkv's. Each gets a clear error; nothing crashes; nothing is lost.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as connectTcp } from "node:net";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { runRingkv, startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

/** Sends raw bytes, collects what comes back until the server closes or goes quiet. */
function exchange(port: number, payload: Buffer | string, quietMs = 300): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, "127.0.0.1");
    let reply = "";
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), quietMs);
    };
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      arm();
    });
    socket.on("close", () => finish(true));
    socket.on("error", (error) => (reply ? finish(true) : reject(error)));
    socket.write(payload, arm);
  });
}

function command(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

describe("bad input against a real node", () => {
  const dir = tempDir("bad-input");
  let node: RingkvProcess;
  let client: Redis;

  before(async () => {
    node = await startNode(dir.path);
    client = new Redis({ port: node.port, host: "127.0.0.1", maxRetriesPerRequest: 0 });
    await client.set("survivor", "still here");
  });
  after(async () => {
    client.disconnect();
    await stopGracefully(node);
    dir.remove();
  });

  test("a value just over the limit is refused with its size and the limit, and the connection keeps working", async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const { reply, closed } = await exchange(node.port, Buffer.concat([command("SET", "big", big), command("PING")]), 1000);
    assert.equal(reply, "-ERR value is 1048577 bytes, the limit is 1048576 bytes\r\n+PONG\r\n");
    assert.equal(closed, false);
    assert.equal(await client.exists("big"), 0);
  });

  test("a bulk string far over the limit is refused at its length line and the connection closed, as Redis does", async () => {
    const { reply, closed } = await exchange(node.port, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$2000000000\r\n", 1000);
    assert.equal(reply, "-ERR Protocol error: invalid bulk length: 2000000000 bytes exceeds the limit of 1049600 bytes\r\n");
    assert.equal(closed, true);
    assert.equal(await client.exists("big"), 0);
  });

  test("an oversized key is refused with its size and the limit", async () => {
    await assert.rejects(client.set("k".repeat(2000), "v"), /ERR .*2000.*1024/);
    await assert.rejects(client.mset("ok", "1", "k".repeat(1025), "2"), /ERR .*1025.*1024/);
    assert.equal(await client.exists("ok"), 0, "a refused MSET must write none of its keys");
  });

  test("garbage framing gets a protocol error and a closed connection; the node lives on", async () => {
    for (const garbage of ["*abc\r\n", "*2\r\n$-5\r\n", "*1\r\n+PING\r\n", "*99999999999\r\n"]) {
      const { reply, closed } = await exchange(node.port, garbage);
      assert.match(reply, /^-ERR Protocol error/, `reply to ${JSON.stringify(garbage)}`);
      assert.equal(closed, true, `connection after ${JSON.stringify(garbage)}`);
    }
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff));
    await exchange(node.port, random);
    assert.equal(await client.get("survivor"), "still here");
  });

  test("unknown commands and wrong arity answer as Redis does", async () => {
    const { reply } = await exchange(node.port, Buffer.concat([command("FOO", "a", "b"), command("GET"), command("SET", "a")]));
    assert.equal(
      reply,
      "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n" +
        "-ERR wrong number of arguments for 'get' command\r\n" +
        "-ERR wrong number of arguments for 'set' command\r\n",
    );
  });
});

describe("a data directory that is not ringkv's", () => {
  test("is refused with a clear error and left untouched", async () => {
    const dir = tempDir("foreign");
    try {
      writeFileSync(join(dir.path, "precious.txt"), "do not touch");
      const { code, stdout, stderr } = await runRingkv(["node", "--port", "0", "--data", dir.path]);
      assert.notEqual(code, 0);
      assert.match(stdout + stderr, /not a ringkv data directory/);
      assert.deepEqual(readdirSync(dir.path), ["precious.txt"]);
      assert.equal(readFileSync(join(dir.path, "precious.txt"), "utf8"), "do not touch");
    } finally {
      dir.remove();
    }
  });
});

describe("the ringkv command", () => {
  test("every subcommand answers --help", async () => {
    const { stdout } = await runRingkv(["--help"]);
    const subcommands = [...stdout.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1]!).filter((name) => name !== "help");
    assert.ok(subcommands.includes("node") && subcommands.includes("start"), `subcommands: ${subcommands.join(", ")}`);
    for (const name of subcommands) {
      const result = await runRingkv([name, "--help"]);
      assert.equal(result.code, 0, `ringkv ${name} --help`);
      assert.match(result.stdout, new RegExp(`Usage: ringkv ${name}`));
    }
  });

  test("a bad setting is refused before anything starts", async () => {
    const { code, stderr } = await runRingkv(["node", "--port", "seventy"]);
    assert.notEqual(code, 0);
    assert.match(stderr, /--port must be an integer from 0 to 65535, got "seventy"/);
  });
});
