// The coordinator's port takes storage nodes' links besides RESP clients: a connection is a link
// only once a whole link opening has arrived; one whose bytes stray from it (a client whose first
// byte is 0x00 included) is a RESP client and gets RESP answers. Links count against
// connectionsMax like any connection.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { encodeOpening, LINK_MAGIC } from "../codec/link-opening.js";
import type { Limits } from "../shared/limits.js";
import { bulk, testResources } from "../../test/support/server.js";

const resources = testResources();
afterEach(() => resources.closeAll());
const client = resources.client;

interface Handed { nodeNonce: Buffer; rest: Buffer; socket: Socket }

async function serverWithLinks(limits: Partial<Limits> = {}): Promise<{ port: number; handed: Handed[] }> {
  const handed: Handed[] = [];
  const ts = await resources.server({
    limits,
    onInternalConnection: (socket, nodeNonce, rest) => {
      handed.push({ socket, nodeNonce, rest });
      socket.write("link-ack");
    },
  });
  return { port: ts.port, handed };
}

test("a whole link opening, however it is split, hands the connection over with the node's nonce and what followed", async () => {
  const { port, handed } = await serverWithLinks();
  const nonce = Buffer.alloc(32, 9);
  const opening = encodeOpening(nonce);
  const c = await client(port);
  c.send(opening.subarray(0, 1));
  await new Promise((resolve) => setTimeout(resolve, 30));
  c.send(opening.subarray(1, 20));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(handed.length, 0, "not a link before the opening is whole");
  c.send(Buffer.concat([opening.subarray(20), Buffer.from("frames")]));
  assert.equal(await c.expect("link-ack"), "link-ack");
  assert.equal(handed.length, 1);
  assert.deepEqual(handed[0]!.nodeNonce, nonce);
  assert.equal(handed[0]!.rest.toString(), "frames");
});

test("a client whose first byte is 0x00 gets a RESP answer, never a binary challenge", async () => {
  const { port, handed } = await serverWithLinks();
  const c = await client(port);
  c.send(Buffer.from("\0PING\r\n", "latin1"));
  const reply = "-ERR unknown command '\0PING', with args beginning with: \r\n";
  assert.equal(await c.expect(reply), reply);
  const almost = await client(port);
  almost.send(Buffer.concat([LINK_MAGIC.subarray(0, 8), Buffer.from("X\r\n")]));
  assert.match(await almost.line(), /^-ERR unknown command /);
  assert.equal(handed.length, 0);
  almost.sendCommands(["SET", "a", "1"]);
  assert.equal(await almost.expect("+OK\r\n"), "+OK\r\n");
  const plain = await client(port);
  plain.send("GET a\r\n");
  assert.equal(await plain.expect(bulk("1")), bulk("1"));
});

test("links count against connectionsMax", async () => {
  const { port, handed } = await serverWithLinks({ connectionsMax: 2 });
  const link = await client(port);
  link.send(encodeOpening(Buffer.alloc(32)));
  assert.equal(await link.expect("link-ack"), "link-ack");
  const resp = await client(port);
  resp.sendCommands(["PING"]);
  assert.equal(await resp.expect("+PONG\r\n"), "+PONG\r\n");
  const third = await client(port);
  assert.equal(await third.expect("-ERR max number of clients reached\r\n"), "-ERR max number of clients reached\r\n");
  handed[0]!.socket.destroy();
  await link.waitClosed();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const fourth = await client(port);
  fourth.sendCommands(["PING"]);
  assert.equal(await fourth.expect("+PONG\r\n"), "+PONG\r\n", "a closed link frees its place");
});
