import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RespReplyError, type RespValue } from "../codec/resp-decoder.js";
import { AuthError, ConnectionError, RetryableError, ServerError, TimeoutError } from "./errors.js";
import { Session, type ConnectionEvent, type Link, type SessionOptions, type WireArgs } from "./session.js";

/** What a RespConnection rejects with when no reply came in time. */
const linkTimeout = (): TimeoutError => new TimeoutError("no reply within 100 ms", { outcomeUnknown: true });

type Answer = RespValue | Error;

/** Fake server side: every link opened answers through `answer`; links can be dropped. */
class FakeServer {
  opened = 0;
  refuseOpens = 0;
  sent: string[] = [];
  private closers: Array<(reason: string) => void> = [];

  constructor(private readonly answer: (command: string, count: number) => Answer = () => "OK") {}

  opener = async (onClose: (reason: string) => void): Promise<Link> => {
    this.opened += 1;
    if (this.refuseOpens > 0) {
      this.refuseOpens -= 1;
      throw new Error("connect ECONNREFUSED 127.0.0.1:1");
    }
    this.closers.push(onClose);
    return {
      send: async (args: WireArgs): Promise<RespValue> => {
        const command = args.map(String).join(" ");
        this.sent.push(command);
        const answer = this.answer(command, this.sent.length);
        if (answer instanceof Error) throw answer;
        return answer;
      },
      close: () => undefined,
      closed: false,
    };
  };

  dropAll(): void {
    for (const close of this.closers.splice(0)) close("read ECONNRESET");
  }
}

function session(server: FakeServer, overrides: Partial<SessionOptions> = {}): { session: Session; events: ConnectionEvent[] } {
  const events: ConnectionEvent[] = [];
  const options: SessionOptions = {
    address: "127.0.0.1:1", timeoutMs: 100, reconnectAttemptsMax: 3, reconnectBackoffMs: 1, reconnectBackoffMsMax: 4,
    readRetriesMax: 2, onConnectionEvent: (event) => events.push(event), ...overrides,
  };
  return { session: new Session(server.opener, options), events };
}

describe("Session", () => {
  it("sends a command and resolves with its reply", async () => {
    const { session: s } = session(new FakeServer(() => Buffer.from("v")));
    assert.deepEqual(await s.call(["GET", "k"], "read"), Buffer.from("v"));
  });

  const replies: Array<[string, new (...args: never[]) => Error, string, boolean?]> = [
    ["ERR bad", ServerError, "ERR"],
    ["WRONGTYPE no", ServerError, "WRONGTYPE"],
    ["TRYAGAIN node n2 is down", RetryableError, "TRYAGAIN"],
    ["CLUSTERDOWN 1 of 3 nodes", RetryableError, "CLUSTERDOWN"],
    ["NOAUTH Authentication required.", AuthError, "NOAUTH"],
    ["TIMEOUT deadline passed", TimeoutError, "TIMEOUT", true],
  ];
  for (const [reply, type, code, outcomeUnknown] of replies) {
    it(`turns the error reply "${reply}" to a write into ${type.name} ${code}`, async () => {
      const { session: s } = session(new FakeServer(() => new RespReplyError(reply)));
      await assert.rejects(s.call(["SET", "k", "v"], "write"), (error: unknown) => {
        assert.ok(error instanceof type);
        assert.equal((error as ServerError).code, code);
        assert.match((error as Error).message, new RegExp(`^SET failed: ${reply}`));
        if (outcomeUnknown) assert.equal((error as TimeoutError).outcomeUnknown, true);
        return true;
      });
    });
  }

  it("retries a read on TRYAGAIN, a bounded number of times", async () => {
    const server = new FakeServer(() => new RespReplyError("TRYAGAIN busy"));
    const { session: s } = session(server, { readRetriesMax: 2 });
    await assert.rejects(s.call(["GET", "k"], "read"), RetryableError);
    assert.equal(server.sent.length, 3);
  });

  it("lets a retried read succeed", async () => {
    const server = new FakeServer((_command, count) => (count === 1 ? linkTimeout() : Buffer.from("v")));
    const { session: s } = session(server);
    assert.deepEqual(await s.call(["GET", "k"], "read"), Buffer.from("v"));
    assert.equal(server.sent.length, 2);
  });

  it("never retries a write, and says its outcome is unknown after a timeout", async () => {
    const server = new FakeServer(() => linkTimeout());
    const { session: s } = session(server);
    await assert.rejects(s.call(["SET", "k", "v"], "write"), (error: unknown) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.outcomeUnknown, true);
      assert.match(error.message, /SET: no reply from 127\.0\.0\.1:1 within 100 ms; the write may or may not have been applied/);
      return true;
    });
    assert.equal(server.sent.length, 1);
  });

  it("reconnects on the next call after the connection was lost, and tells", async () => {
    const server = new FakeServer(() => "PONG");
    const { session: s, events } = session(server);
    await s.call(["PING"], "read");
    server.dropAll();
    assert.deepEqual(events, [{ type: "lost", reason: "read ECONNRESET" }]);
    assert.equal(await s.call(["PING"], "read"), "PONG");
    assert.equal(server.opened, 2);
    assert.deepEqual(events.at(-1), { type: "reconnected" });
  });

  it("reports a write lost with its connection as outcome unknown, and reconnects after", async () => {
    const server = new FakeServer((_command, count) => (count === 1 ? new Error("socket closed") : "OK"));
    const { session: s } = session(server);
    await assert.rejects(s.call(["SET", "k", "v"], "write"), (error: unknown) =>
      error instanceof ConnectionError && error.outcomeUnknown && /lost before the reply \(socket closed\)/.test(error.message));
    assert.equal(await s.call(["SET", "k", "v"], "write"), "OK");
    assert.equal(server.opened, 2);
  });

  it("gives up connecting after the bounded tries, saying nothing was sent", async () => {
    const server = new FakeServer();
    server.refuseOpens = 10;
    const { session: s } = session(server, { reconnectAttemptsMax: 3, readRetriesMax: 0 });
    await assert.rejects(s.call(["SET", "k", "v"], "write"), (error: unknown) =>
      error instanceof ConnectionError && !error.outcomeUnknown &&
      /cannot connect to 127\.0\.0\.1:1 after 3 tries: connect ECONNREFUSED .* \(nothing was sent\)/.test(error.message));
    assert.equal(server.opened, 3);
    assert.equal(server.sent.length, 0);
  });

  it("authenticates every new connection first, and fails for good on a wrong password", async () => {
    const server = new FakeServer((command) => (command === "AUTH bad" ? new RespReplyError("WRONGPASS invalid password") : "OK"));
    const { session: good } = session(server, { password: "right" });
    await good.call(["SET", "k", "v"], "write");
    assert.deepEqual(server.sent, ["AUTH right", "SET k v"]);
    const { session: bad } = session(server, { password: "bad" });
    const opensBefore = server.opened;
    await assert.rejects(bad.call(["GET", "k"], "read"), (error: unknown) =>
      error instanceof AuthError && error.code === "WRONGPASS" && /AUTH to 127\.0\.0\.1:1 failed: WRONGPASS/.test(error.message));
    assert.equal(server.opened - opensBefore, 1, "a wrong password is not retried");
  });

  it("refuses calls after close", async () => {
    const { session: s } = session(new FakeServer());
    await s.ready();
    s.close();
    await assert.rejects(s.call(["GET", "k"], "read"), /the client is closed; nothing was sent/);
  });
});
