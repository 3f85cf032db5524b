// Real Redis clients, unmodified, against the front end: ioredis (RESP2 and RESP3) and
// node-redis (which sends HELLO 3 and CLIENT SETINFO when it connects).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { startTestServer, type TestServer } from "../../test/support/server.js";

const PASSWORD = "client-test-password";
let ts: TestServer;
let secured: TestServer;

before(async () => {
  ts = await startTestServer(0);
  secured = await startTestServer(0, { password: PASSWORD });
});

after(async () => {
  await ts.server.close();
  await secured.server.close();
});

for (const protocol of [2, 3] as const) {
  describe(`ioredis, RESP${protocol}`, () => {
    let redis: Redis;
    before(async () => {
      redis = new Redis({ port: ts.port, host: "127.0.0.1", protocol, connectionName: `ioredis-${protocol}`, lazyConnect: true });
      await redis.connect(); // resolves after the ready check (INFO ... loading:0)
    });
    after(() => redis.disconnect());

    test("strings, multi-key commands and missing keys", async () => {
      const prefix = `io${protocol}:`;
      assert.equal(await redis.set(`${prefix}a`, "1"), "OK");
      assert.equal(await redis.get(`${prefix}a`), "1");
      assert.equal(await redis.get(`${prefix}missing`), null);
      assert.equal(await redis.set(`${prefix}a`, "2", "NX"), null);
      assert.equal(await redis.set(`${prefix}a`, "2", "XX", "GET"), "1");
      assert.equal(await redis.mset(`${prefix}b`, "x", `${prefix}c`, "y"), "OK");
      assert.deepEqual(await redis.mget(`${prefix}a`, `${prefix}missing`, `${prefix}c`), ["2", null, "y"]);
      assert.equal(await redis.exists(`${prefix}a`, `${prefix}b`, `${prefix}missing`), 2);
      assert.equal(await redis.del(`${prefix}a`, `${prefix}b`), 2);
      assert.equal(await redis.client("GETNAME"), `ioredis-${protocol}`);
    });

    test("binary values come back byte for byte", async () => {
      const value = Buffer.from([0, 1, 2, 13, 10, 255, 254]);
      await redis.set(`io${protocol}:bin`, value);
      assert.deepEqual(await redis.getBuffer(`io${protocol}:bin`), value);
    });

    test("a pipeline of 1000 commands answers in order", async () => {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`io${protocol}:p${i}`, String(i)).get(`io${protocol}:p${i}`);
      const results = (await pipeline.exec()) ?? [];
      assert.equal(results.length, 1000);
      for (let i = 0; i < 500; i++) {
        assert.deepEqual(results[2 * i], [null, "OK"]);
        assert.deepEqual(results[2 * i + 1], [null, String(i)]);
      }
    });

    test("errors surface as ReplyErrors with Redis's text", async () => {
      await assert.rejects(redis.call("nosuchcommand", "x"), /ERR unknown command 'nosuchcommand', with args beginning with: 'x'/);
      await assert.rejects(redis.set(`io${protocol}:e`, "1", "EX", 0), /ERR invalid expire time in 'set' command/);
      await redis.set(`io${protocol}:e`, "a");
      await assert.rejects(redis.incr(`io${protocol}:e`), /ERR value is not an integer or out of range/);
      await assert.rejects(redis.hget(`io${protocol}:e`, "f"), /WRONGTYPE Operation against a key holding the wrong kind of value/);
      assert.equal(await redis.ping(), "PONG");
    });

    test("INFO, DBSIZE, CONFIG GET", async () => {
      assert.match(await redis.info("persistence"), /loading:0/);
      assert.equal(await redis.dbsize(), ts.backend.data.size + ts.backend.otherEntries.size);
      const config = await redis.config("GET", "save");
      assert.ok(JSON.stringify(config).includes("save"), JSON.stringify(config));
    });
  });
}

test("ioredis with a password authenticates on connect (HELLO 3 AUTH and RESP2 AUTH)", async () => {
  for (const protocol of [2, 3] as const) {
    const good = new Redis({ port: secured.port, host: "127.0.0.1", password: PASSWORD, protocol, lazyConnect: true });
    await good.connect();
    assert.equal(await good.set(`authed${protocol}`, "yes"), "OK");
    assert.equal(await good.get(`authed${protocol}`), "yes");
    good.disconnect();
  }
});

test("ioredis without the password: NOAUTH on commands (RESP2), a failed handshake (RESP3)", async () => {
  const options = { port: secured.port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false,
    maxRetriesPerRequest: 0, retryStrategy: () => null };
  const resp2 = new Redis({ ...options, protocol: 2 });
  await resp2.connect();
  await assert.rejects(resp2.get("authed2"), /NOAUTH Authentication required/);
  resp2.disconnect();
  const resp3 = new Redis({ ...options, protocol: 3 });
  const errors: string[] = [];
  resp3.on("error", (error: Error) => errors.push(error.message));
  await assert.rejects(resp3.connect());
  assert.ok(errors.some((message) => message.startsWith("NOAUTH HELLO must be called with the client already authenticated")),
    JSON.stringify(errors));
  resp3.disconnect();
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis, RESP${RESP}`, () => {
    // Made once the server listens: its port is the system's pick.
    const makeClient = () => createClient({ socket: { port: ts.port, host: "127.0.0.1" }, RESP, name: `node-redis-${RESP}` });
    let client: ReturnType<typeof makeClient>;
    before(async () => {
      client = makeClient();
      await client.connect();
    });
    after(async () => {
      client.destroy();
    });

    test("strings and multi-key commands", async () => {
      const prefix = `nr${RESP}:`;
      assert.equal(await client.set(`${prefix}a`, "1"), "OK");
      assert.equal(await client.get(`${prefix}a`), "1");
      assert.equal(await client.get(`${prefix}missing`), null);
      assert.equal(await client.set(`${prefix}a`, "3", { condition: "NX" }), null);
      assert.equal(await client.mSet([`${prefix}b`, "x", `${prefix}c`, "y"]), "OK");
      assert.deepEqual(await client.mGet([`${prefix}a`, `${prefix}nope`, `${prefix}c`]), ["1", null, "y"]);
      assert.equal(await client.exists([`${prefix}a`, `${prefix}b`]), 2);
      assert.equal(await client.del([`${prefix}a`, `${prefix}b`, `${prefix}nope`]), 2);
    });

    test("the handshake set the name and library info", async () => {
      assert.equal(await client.clientGetName(), `node-redis-${RESP}`);
      const info = String(await client.sendCommand(["CLIENT", "INFO"]));
      assert.match(info, /lib-name=node-redis /);
      assert.match(info, new RegExp(` resp=${RESP} `));
    });

    test("a multi-command pipeline answers in order", async () => {
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) =>
        i % 2 === 0 ? client.set(`nr${RESP}:pipe${i}`, String(i)) : client.get(`nr${RESP}:pipe${i - 1}`)));
      results.forEach((result, i) => assert.equal(result, i % 2 === 0 ? "OK" : String(i - 1)));
    });

    test("errors are rejected with Redis's text, and the client carries on", async () => {
      await assert.rejects(client.sendCommand(["GET"]), /ERR wrong number of arguments for 'get' command/);
      assert.equal(await client.ping(), "PONG");
    });
  });
}

test("node-redis authenticates through HELLO 3 AUTH", async () => {
  const client = createClient({ socket: { port: secured.port, host: "127.0.0.1" }, RESP: 3, password: PASSWORD });
  await client.connect();
  assert.equal(await client.set("nr-authed", "1"), "OK");
  assert.equal(await client.get("nr-authed"), "1");
  client.destroy();
});
