// The client library against a real ringkv RESP front end (src/server) over TCP, with the
// in-memory test backend standing in for storage so failures can be planted.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { RingkvError } from "../shared/errors.js";
import type { ExtraCommand, ReplyValue } from "../server/backend.js";
import { freePort } from "../../test/support/ports.js";
import { MemoryBackend, startTestServer, type TestServer } from "../../test/support/server.js";
import { connect, createClient } from "./connect.js";
import { AuthError, ConnectionError, NotCoordinatorError, RetryableError, TimeoutError } from "./errors.js";
import type { ConnectionEvent } from "./session.js";


/** Answers RINGKV NODES and RINGKV LOCATE in the form src/runtime/coordinator-views.ts uses. */
class CoordinatorLikeBackend extends MemoryBackend {
  extraCommands(): ExtraCommand[] {
    const replica = (id: string, up: boolean): ReplyValue =>
      new Map<string, ReplyValue>([["id", id], ["address", `127.0.0.1:700${id.slice(1)}`], ["state", up ? "up" : "down"]]);
    return [{
      name: "ringkv", arity: -2, summary: "cluster views", write: false,
      run: (args) => {
        const sub = args[1]!.toString().toUpperCase(); // args[0] is the name itself
        if (sub === "NODES") {
          return [new Map<string, ReplyValue>([["id", "n1"], ["address", "127.0.0.1:7001"], ["state", "up"], ["joined", 1],
            ["primary_partitions", 3], ["replica_partitions", 5]])];
        }
        return new Map<string, ReplyValue>([["partition", 7], ["replicas", [replica("n2", true), replica("n1", false)]]]);
      },
    }];
  }
}

describe("RingkvClient", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(0);
  });
  after(() => server.server.close());

  it("puts, gets, deletes and counts keys", async () => {
    const db = await connect({ port: server.port });
    try {
      assert.equal(await db.put("greeting", "hello world"), true);
      assert.deepEqual(await db.get("greeting"), Buffer.from("hello world"));
      assert.equal(await db.getString("greeting"), "hello world");
      assert.equal(await db.get("missing"), null);
      assert.equal(await db.getString("missing"), null);
      assert.equal(await db.exists("greeting", "missing", "greeting"), 2);
      assert.equal(await db.delete("greeting", "missing"), 1);
      assert.equal(await db.get("greeting"), null);
      assert.equal(await db.delete(), 0);
    } finally {
      await db.close();
    }
  });

  it("honours nx and xx, and refuses both at once", async () => {
    const db = await connect({ port: server.port });
    try {
      assert.equal(await db.put("nx-key", "1", { xx: true }), false);
      assert.equal(await db.put("nx-key", "1", { nx: true }), true);
      assert.equal(await db.put("nx-key", "2", { nx: true }), false);
      assert.equal(await db.put("nx-key", "3", { xx: true }), true);
      assert.equal(await db.getString("nx-key"), "3");
      await assert.rejects(db.put("nx-key", "4", { nx: true, xx: true }), /nx and xx cannot both be set/);
    } finally {
      await db.close();
    }
  });

  it("keeps binary keys and values byte for byte", async () => {
    const db = await connect({ port: server.port });
    try {
      const key = Buffer.from([0, 255, 13, 10]);
      const value = Buffer.from([1, 2, 0, 200, 13, 10]);
      await db.put(key, value);
      assert.deepEqual(await db.get(key), value);
    } finally {
      await db.close();
    }
  });

  it("sets and gets many keys from a record, a Map or pairs", async () => {
    const db = await connect({ port: server.port });
    try {
      await db.mset({ a: "1", b: "2" });
      await db.mset(new Map([["c", "3"]]));
      await db.mset([["d", Buffer.from("4")]]);
      await db.mset({});
      const values = await db.mget("a", "b", "c", "d", "zz");
      assert.deepEqual(values.map((value) => value?.toString() ?? null), ["1", "2", "3", "4", null]);
      assert.deepEqual(await db.mget(), []);
    } finally {
      await db.close();
    }
  });

  it("pings, reads INFO by section, and sends raw commands", async () => {
    const db = await connect({ port: server.port });
    try {
      assert.equal(await db.ping(), "PONG");
      assert.equal(await db.ping("hi"), "hi");
      const info = await db.info("server");
      assert.ok(info.server, `sections: ${Object.keys(info).join(", ")}`);
      assert.equal(typeof (await db.command("DBSIZE")), "number");
    } finally {
      await db.close();
    }
  });

  it("answers nodes() and locate() from a coordinator, typed", async () => {
    const coordinator = await startTestServer(0, { backend: new CoordinatorLikeBackend() });
    const db = await connect({ port: coordinator.port });
    try {
      assert.deepEqual(await db.nodes(), [{ id: "n1", address: "127.0.0.1:7001", up: true, joined: true, primaryPartitions: 3, replicaPartitions: 5 }]);
      assert.deepEqual(await db.locate("k"), {
        partition: 7,
        replicas: [{ id: "n2", address: "127.0.0.1:7002", up: true }, { id: "n1", address: "127.0.0.1:7001", up: false }],
      });
    } finally {
      await db.close();
      await coordinator.server.close();
    }
  });

  it("says clearly that nodes() and locate() need a coordinator", async () => {
    const db = await connect({ port: server.port });
    try {
      await assert.rejects(db.nodes(), (error: unknown) => error instanceof NotCoordinatorError && error.code === "NOTCOORDINATOR" &&
        new RegExp(`RINGKV NODES is answered by a ringkv coordinator only, and 127\\.0\\.0\\.1:${server.port} is not one \\(it answered: ERR unknown command 'RINGKV'`).test(error.message));
      await assert.rejects(db.locate("k"), NotCoordinatorError);
    } finally {
      await db.close();
    }
  });

  it("retries a read on TRYAGAIN but hands a write's TRYAGAIN to the caller", async () => {
    const db = await connect({ port: server.port });
    try {
      await db.put("retry", "v");
      server.backend.failNext = new RingkvError("TRYAGAIN", "replica n2 is down");
      assert.equal(await db.getString("retry"), "v");
      server.backend.failNext = new RingkvError("TRYAGAIN", "replica n2 is down");
      await assert.rejects(db.put("retry", "w"), (error: unknown) => error instanceof RetryableError && error.code === "TRYAGAIN");
      assert.equal(await db.getString("retry"), "v");
    } finally {
      await db.close();
    }
  });

  it("times out a stuck write as outcome unknown, and a stuck read as a known outcome", async () => {
    const db = await connect({ port: server.port, timeoutMs: 150, readRetriesMax: 0 });
    const releaseWrites = server.backend.hold("writes");
    try {
      await assert.rejects(db.put("slow", "v"), (error: unknown) =>
        error instanceof TimeoutError && error.outcomeUnknown && /may or may not have been applied/.test(error.message));
    } finally {
      releaseWrites();
    }
    const releaseReads = server.backend.hold("reads");
    try {
      await assert.rejects(db.get("slow"), (error: unknown) => error instanceof TimeoutError && !error.outcomeUnknown);
    } finally {
      releaseReads();
      await db.close();
    }
  });

  it("authenticates with a password, and fails clearly without the right one", async () => {
    const guarded = await startTestServer(0, { password: "s3cret" });
    try {
      const good = await connect({ port: guarded.port, password: "s3cret" });
      await good.put("k", "v");
      await good.close();
      await assert.rejects(connect({ port: guarded.port, password: "wrong" }), (error: unknown) =>
        error instanceof AuthError && error.code === "WRONGPASS");
      const none = await connect({ port: guarded.port });
      await assert.rejects(none.get("k"), (error: unknown) => error instanceof AuthError && error.code === "NOAUTH");
      await none.close();
    } finally {
      await guarded.server.close();
    }
  });

  it("fails fast with a ConnectionError when nothing listens, saying nothing was sent", async () => {
    const closedPort = await freePort();
    await assert.rejects(connect({ port: closedPort, reconnectAttemptsMax: 2 }), (error: unknown) =>
      error instanceof ConnectionError && error.code === "CONNECTION" &&
      new RegExp(`cannot connect to 127\\.0\\.0\\.1:${closedPort} after 2 tries: .*nothing was sent`).test(error.message));
  });

  it("reconnects on the next call after the server restarts, and reports both events", async () => {
    const backend = new MemoryBackend();
    let restarting = await startTestServer(0, { backend });
    const port = restarting.port;
    const events: ConnectionEvent[] = [];
    const db = createClient({ port, onConnectionEvent: (event) => events.push(event) });
    try {
      await db.put("k", "before");
      await restarting.server.close();
      await waitFor(() => events.length > 0);
      assert.equal(events[0]?.type, "lost");
      restarting = await startTestServer(port, { backend });
      assert.equal(await db.getString("k"), "before");
      assert.deepEqual(events.at(-1), { type: "reconnected" });
    } finally {
      await db.close();
      await restarting.server.close();
    }
  });

  it("refuses calls after close()", async () => {
    const db = await connect({ port: server.port });
    await db.close();
    await assert.rejects(db.get("k"), ConnectionError);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
