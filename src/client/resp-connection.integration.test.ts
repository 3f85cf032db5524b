// RespConnection against a scripted in-test RESP server (node:net + the codec) for every way a
// request can end, and against a real redis-server for what a real peer does.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { RespDecoder, RespReplyError } from "../codec/resp-decoder.js";
import { ReplyWriter } from "../codec/resp-encoder.js";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import { ConnectionError, RetryableError, TimeoutError } from "./errors.js";
import { RespConnection } from "./resp-connection.js";
import { freePort } from "../../test/support/ports.js";

const HOST = "127.0.0.1";
// Ports are the system's picks, set as each server starts: two test runs can share a machine.
let scriptedPort = 0;
let redisPort = 0;
const REDIS_SERVER = "/usr/bin/redis-server";

/** A RESP server whose commands script what the connection must cope with. */
class ScriptedServer {
  /** Commands decoded from each 'data' event, to see how the client batched its writes. */
  readonly commandsPerRead: number[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  static start(port: number): Promise<ScriptedServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      const scripted = new ScriptedServer(server);
      server.on("connection", (socket) => scripted.serve(socket));
      server.once("error", reject);
      server.listen(port, HOST, () => resolve(scripted));
    });
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    const writer = new ReplyWriter(2);
    let stuck = false;
    const decoder = new RespDecoder({
      mode: "request",
      limits: DEFAULT_LIMITS,
      onCommand: (args) => {
        this.commandsPerRead[this.commandsPerRead.length - 1] = (this.commandsPerRead.at(-1) ?? 0) + 1;
        const command = args.map((arg) => arg.toString("latin1"));
        // CLOSE acts even on a stuck connection: it stands for the server going away.
        if (command[0] === "CLOSE") socket.destroy();
        else if (!stuck) stuck = this.answer(command, writer);
      },
      onProtocolError: () => socket.destroy(),
    });
    socket.on("data", (chunk: Buffer) => {
      this.commandsPerRead.push(0);
      decoder.write(chunk);
      if (writer.byteLength > 0 && !socket.destroyed) socket.write(writer.take());
    });
  }

  /** Writes the reply to one command; true when the connection must stop answering. */
  private answer(args: string[], writer: ReplyWriter): boolean {
    const [name, ...rest] = args;
    switch (name?.toUpperCase()) {
      case "PING": writer.simple("PONG"); return false;
      case "ECHO": writer.bulk(Buffer.from(rest[0] ?? "", "latin1")); return false;
      case "FAIL": writer.error("ERR planned failure"); return false;
      case "HELLO":
        writer.protocol = 3;
        writer.mapHeader(1).bulk("proto").integer(3);
        return false;
      case "DOUBLE": writer.double(1.5); return false;
      case "PUSH": writer.raw(Buffer.from(">2\r\n+message\r\n+news\r\n")).simple("OK"); return false;
      case "EXTRA": writer.simple("ONE").simple("TWO"); return false;
      case "GARBAGE": writer.raw(Buffer.from("?oops\r\n")); return false;
      case "HANG": return true;
      default: writer.error(`ERR unknown command '${name ?? ""}'`); return false;
    }
  }
}

function connect(options: { pendingMax?: number; protocol?: 2 | 3 } = {}): Promise<RespConnection> {
  return RespConnection.connect({ host: HOST, port: scriptedPort, ...options });
}

function closedOnce(connection: RespConnection): Promise<string> {
  return new Promise((resolve) => connection.onClose(resolve));
}

describe("RespConnection against a scripted server", () => {
  let server: ScriptedServer;
  before(async () => {
    server = await ScriptedServer.start(0);
    scriptedPort = server.port;
  });
  after(() => server.close());

  it("sends a command and resolves with its reply", async () => {
    const connection = await connect();
    assert.equal(await connection.send(["PING"]), "PONG");
    assert.deepEqual(await connection.send(["ECHO", Buffer.from([0, 13, 10, 255])]), Buffer.from([0, 13, 10, 255]));
    connection.close();
  });

  it("matches pipelined replies in order, and sends one tick's commands in one write", async () => {
    const connection = await connect();
    const writesBefore = connection.socketWrites;
    const readsBefore = server.commandsPerRead.length;
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => connection.send(["ECHO", `value-${i}`])));
    assert.deepEqual(replies.map(String), Array.from({ length: 300 }, (_, i) => `value-${i}`));
    assert.equal(connection.socketWrites - writesBefore, 1, "300 sends in one tick make one socket write");
    assert.equal(server.commandsPerRead.slice(readsBefore).reduce((sum, count) => sum + count, 0), 300);
    connection.close();
  });

  it("rejects an error reply with a RespReplyError and keeps the connection", async () => {
    const connection = await connect();
    const [failed, after] = await Promise.allSettled([connection.send(["FAIL"]), connection.send(["PING"])]);
    assert.equal(failed.status, "rejected");
    assert.ok(failed.reason instanceof RespReplyError);
    assert.equal(failed.reason.code, "ERR");
    assert.equal(failed.reason.message, "ERR planned failure");
    assert.deepEqual(after, { status: "fulfilled", value: "PONG" });
    assert.equal(connection.closed, false);
    connection.close();
  });

  it("rejects every pending request when the server closes, saying how many", async () => {
    const connection = await connect();
    const closed = closedOnce(connection);
    const results = await Promise.allSettled([
      connection.send(["HANG"]), connection.send(["PING"]), connection.send(["CLOSE"]),
    ]);
    const expected = `connection to ${HOST}:${scriptedPort} closed with 3 requests pending: the server closed the connection`;
    for (const result of results) {
      assert.equal(result.status, "rejected");
      assert.ok(result.reason instanceof ConnectionError);
      assert.equal(result.reason.code, "CONNECTION");
      assert.equal(result.reason.message, expected);
    }
    assert.equal(await closed, "the server closed the connection");
    await assert.rejects(connection.send(["PING"]), {
      name: "ConnectionError",
      message: `PING not sent: the connection to ${HOST}:${scriptedPort} is closed (the server closed the connection)`,
    });
  });

  it("times a request out as unknown, then closes, failing the others", async () => {
    const connection = await connect();
    const closed = closedOnce(connection);
    const hung = connection.send(["HANG"], { timeoutMs: 2_000 });
    const timed = connection.send(["SET", "k", "v"], { timeoutMs: 50 });
    await assert.rejects(timed, (error: unknown) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.code, "TIMEOUT");
      assert.equal(error.outcomeUnknown, true);
      assert.equal(error.message,
        `SET to ${HOST}:${scriptedPort}: no reply within 50 ms; the outcome is unknown (it may or may not have been applied)`);
      return true;
    });
    await assert.rejects(hung, {
      name: "ConnectionError",
      message: `connection to ${HOST}:${scriptedPort} closed with 1 request pending: a SET got no reply within 50 ms`,
    });
    assert.equal(await closed, "a SET got no reply within 50 ms");
  });

  it("refuses, unsent, a request over the pending bound", async () => {
    const connection = await connect({ pendingMax: 2 });
    const first = connection.send(["HANG"]);
    const second = connection.send(["PING"]);
    await assert.rejects(connection.send(["PING"]), (error: unknown) => {
      assert.ok(error instanceof RetryableError);
      assert.equal(error.code, "TRYAGAIN");
      assert.match(error.message, /^PING not sent: 2 requests are already pending on the connection to /);
      return true;
    });
    assert.equal(connection.pendingCount, 2);
    connection.close();
    await assert.rejects(first, { message: /closed with 2 requests pending: closed by the client$/ });
    await assert.rejects(second, ConnectionError);
  });

  it("closes on a reply it cannot parse", async () => {
    const connection = await connect();
    await assert.rejects(connection.send(["GARBAGE"]), {
      name: "ConnectionError",
      message: `connection to ${HOST}:${scriptedPort} closed with 1 request pending: ` +
        "the server broke the protocol (Protocol error: unknown reply type '?')",
    });
    assert.equal(connection.closed, true);
  });

  it("closes on a reply that answers nothing", async () => {
    const connection = await connect();
    const closed = closedOnce(connection);
    assert.equal(await connection.send(["EXTRA"]), "ONE");
    assert.equal(await closed, "the server sent a reply with no request pending");
  });

  it("speaks RESP3 after HELLO 3 and skips out-of-band pushes", async () => {
    const connection = await connect({ protocol: 3 });
    assert.equal(await connection.send(["DOUBLE"]), 1.5);
    assert.equal(await connection.send(["PUSH"]), "OK");
    connection.close();
  });

  it("fails to connect where nothing listens, with a ConnectionError", async () => {
    const unusedPort = await freePort(HOST);
    await assert.rejects(RespConnection.connect({ host: HOST, port: unusedPort }), {
      name: "ConnectionError",
      message: `cannot connect to ${HOST}:${unusedPort}: connect ECONNREFUSED ${HOST}:${unusedPort}`,
    });
  });

  it("refuses a timeout a timer cannot keep", async () => {
    const connection = await connect();
    assert.throws(() => connection.send(["PING"], { timeoutMs: Infinity }), /timeoutMs must be an integer from 1 to/);
    connection.close();
  });
});

/** Starts redis-server on `port`; resolves once it answers PING. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, ["--port", String(port), "--bind", HOST, "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const probe = await RespConnection.connect({ host: HOST, port, connectTimeoutMs: 200 });
      await probe.send(["PING"]);
      probe.close();
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill();
  throw new Error(`redis-server did not answer on ${HOST}:${port} within 5 s`);
}

const noRedis = existsSync(REDIS_SERVER) ? false : `${REDIS_SERVER} is not installed (apt-get install redis-server)`;

describe("RespConnection against redis-server", { skip: noRedis }, () => {
  let redis: ChildProcess;
  before(async () => {
    redisPort = await freePort(HOST);
    redis = await startRedis(redisPort);
  });
  after(async () => {
    if (redis.pid === undefined || redis.exitCode !== null) return;
    const exited = new Promise((resolve) => redis.once("exit", resolve));
    process.kill(redis.pid, "SIGTERM");
    await exited;
  });

  it("sets and gets binary values", async () => {
    const connection = await RespConnection.connect({ host: HOST, port: redisPort });
    const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.equal(await connection.send(["SET", "resp-connection:bin", value]), "OK");
    assert.deepEqual(await connection.send(["GET", "resp-connection:bin"]), value);
    assert.equal(await connection.send(["GET", "resp-connection:missing"]), null);
    connection.close();
  });

  it("keeps 1000 pipelined INCRs in order", async () => {
    const connection = await RespConnection.connect({ host: HOST, port: redisPort });
    await connection.send(["DEL", "resp-connection:counter"]);
    const replies = await Promise.all(Array.from({ length: 1000 }, () => connection.send(["INCR", "resp-connection:counter"])));
    assert.deepEqual(replies, Array.from({ length: 1000 }, (_, i) => i + 1));
    connection.close();
  });

  it("rejects Redis's error replies with their code", async () => {
    const connection = await RespConnection.connect({ host: HOST, port: redisPort });
    await connection.send(["SET", "resp-connection:text", "abc"]);
    await assert.rejects(connection.send(["INCR", "resp-connection:text"]), {
      name: "RespReplyError", code: "ERR", message: "ERR value is not an integer or out of range",
    });
    await assert.rejects(connection.send(["LPUSH", "resp-connection:text", "x"]), { code: "WRONGTYPE" });
    connection.close();
  });

  it("decodes RESP3 maps, doubles and nulls after HELLO 3", async () => {
    const connection = await RespConnection.connect({ host: HOST, port: redisPort, protocol: 3 });
    await connection.send(["DEL", "resp-connection:hash"]);
    await connection.send(["HSET", "resp-connection:hash", "f", "v"]);
    assert.deepEqual(await connection.send(["HGETALL", "resp-connection:hash"]), new Map([[Buffer.from("f"), Buffer.from("v")]]));
    await connection.send(["ZADD", "resp-connection:zset", "1.5", "m"]);
    assert.equal(await connection.send(["ZSCORE", "resp-connection:zset", "m"]), 1.5);
    assert.equal(await connection.send(["GET", "resp-connection:missing"]), null);
    connection.close();
  });

  it("times out a blocked command as unknown", async () => {
    const connection = await RespConnection.connect({ host: HOST, port: redisPort });
    await assert.rejects(connection.send(["BLPOP", "resp-connection:empty", "2"], { timeoutMs: 100 }), {
      name: "TimeoutError", code: "TIMEOUT", outcomeUnknown: true,
    });
    assert.equal(connection.closed, true);
  });

  it("fails the requests pipelined after QUIT", async () => {
    const connection = await RespConnection.connect({ host: HOST, port: redisPort });
    const [quit, ...rest] = await Promise.allSettled([
      connection.send(["QUIT"]), connection.send(["PING"]), connection.send(["PING"]),
    ]);
    assert.deepEqual(quit, { status: "fulfilled", value: "OK" });
    for (const result of rest) {
      assert.equal(result.status, "rejected");
      assert.match(String(result.reason), new RegExp(`connection to 127\\.0\\.0\\.1:${redisPort} closed with 2 requests pending: the server closed the connection`));
    }
  });
});
