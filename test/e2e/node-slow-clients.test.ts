// Memory a real node holds for clients that send half a request and stop: eight connections
// each sending 64 MiB of a request. Unauthenticated ones are cut off at the first bulk string
// over 16 KiB; authenticated ones are bounded together by --client-buffers-bytes-max, the
// largest disconnected. RSS is read from /proc; the node serves others throughout.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { Redis } from "ioredis";
import { startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

const MiB = 1024 * 1024;
const CONNECTIONS = 8;
const HALF_REQUEST_BYTES = 64 * MiB;
const BUFFERS_BYTES_MAX = 32 * MiB;

const dir = tempDir("slow-clients");
let node: RingkvProcess;
let client: Redis;

before(async () => {
  node = await startNode(dir.path, ["--password", "a-good-password", "--client-buffers-bytes-max", String(BUFFERS_BYTES_MAX)]);
  client = new Redis({ port: node.port, host: "127.0.0.1", password: "a-good-password", maxRetriesPerRequest: 0 });
  await client.set("survivor", "still here");
});

after(async () => {
  client.disconnect();
  await stopGracefully(node);
  dir.remove();
});

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  assert.ok(match, "VmRSS in /proc/PID/status");
  return Number(match[1]) * 1024;
}

/** Opens a connection, sends `preamble`, then streams HALF_REQUEST_BYTES of an MSET's values; resolves when it is closed or done. */
function halfRequest(port: number, preamble: string): Promise<{ sentBytes: number; closedByServer: boolean; reply: string }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let sentBytes = 0;
    let reply = "";
    let closedByServer = false;
    // One value of the MSET and the length line of the next: the request stays well formed.
    const chunk = Buffer.concat([Buffer.alloc(MiB, 0x61), Buffer.from(`\r\n$${MiB}\r\n`)]);
    const pump = () => {
      while (sentBytes < HALF_REQUEST_BYTES && !socket.destroyed) {
        sentBytes += chunk.length;
        if (!socket.write(chunk)) return;
      }
      if (sentBytes >= HALF_REQUEST_BYTES) resolve({ sentBytes, closedByServer, reply });
    };
    socket.on("data", (data: Buffer) => (reply += data.toString("latin1")));
    socket.on("drain", pump);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closedByServer = true;
      resolve({ sentBytes, closedByServer, reply });
    });
    socket.on("connect", () => {
      socket.write(preamble);
      pump();
    });
  });
}

/** An MSET whose values are 1 MiB bulk strings: HALF_REQUEST_BYTES of it never completes. */
function msetPreamble(auth: boolean): string {
  const pairs = HALF_REQUEST_BYTES / MiB + 2;
  const head = `*${1 + 2 * pairs}\r\n$4\r\nMSET\r\n$1\r\nk\r\n$${MiB}\r\n`;
  return auth ? `*2\r\n$4\r\nAUTH\r\n$15\r\na-good-password\r\n${head}` : head;
}

test("eight unauthenticated connections sending 64 MiB half-requests are refused at once; RSS stays put", async () => {
  const before = rssBytes(node.child.pid!);
  const results = await Promise.all(Array.from({ length: CONNECTIONS }, () => halfRequest(node.port, msetPreamble(false))));
  for (const result of results) {
    assert.equal(result.closedByServer, true);
    assert.match(result.reply, /^-ERR Protocol error: unauthenticated multibulk length: 133 elements/);
    assert.ok(result.sentBytes < HALF_REQUEST_BYTES, `sent ${result.sentBytes} before being cut off`);
  }
  const grown = rssBytes(node.child.pid!) - before;
  assert.ok(grown < 32 * MiB, `RSS grew by ${Math.round(grown / MiB)} MiB`);
  assert.equal(await client.get("survivor"), "still here");
});

test("eight authenticated connections sending 64 MiB half-requests are held to --client-buffers-bytes-max together", async () => {
  const before = rssBytes(node.child.pid!);
  const results = await Promise.all(Array.from({ length: CONNECTIONS }, () => halfRequest(node.port, msetPreamble(true))));
  const cut = results.filter((result) => result.closedByServer).length;
  assert.ok(cut >= CONNECTIONS - 1, `${cut} of ${CONNECTIONS} cut off`);
  for (const result of results) assert.doesNotMatch(result.reply, /Protocol error/, "the stream is well formed");
  const grown = rssBytes(node.child.pid!) - before;
  // The bound on buffers, the chunks in flight and garbage not yet collected: far from 8 x 64 MiB.
  assert.ok(grown < 4 * BUFFERS_BYTES_MAX, `RSS grew by ${Math.round(grown / MiB)} MiB`);
  assert.equal(await client.get("survivor"), "still here");
  assert.ok(node.logs.some((line) => line.includes("disconnecting a client")), "the node says why it disconnected them");
  const evicted = Number(/\r\nevicted_clients:(\d+)\r\n/.exec(await client.info("stats"))?.[1]);
  assert.ok(evicted >= cut, `INFO's evicted_clients (${evicted}) counts those cut off (${cut})`);
});
