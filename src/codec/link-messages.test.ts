// The shapes and sizes of cluster-link messages, table-driven: each case is a message and the
// problem expected (undefined: it may be handed on).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeLimits } from "../shared/limits.js";
import { coordinatorMessageProblem, nodeMessageProblem } from "./link-messages.js";

const limits = makeLimits();
const bytes = (length: number) => Buffer.alloc(length, 1);

test("messages to a storage node", () => {
  const cases: Array<[unknown, string | undefined]> = [
    [{ type: "prepare", txid: "3.1", writes: [{ key: bytes(3), value: bytes(5) }, { key: bytes(1), value: null }], wantValues: false }, undefined],
    [{ type: "prepare", txid: "3.1", writes: [{ key: bytes(3000), value: bytes(5) }], wantValues: false },
      "prepare: writes [0] key is 3000 bytes, the limit is 1024"],
    [{ type: "prepare", txid: "3.1", writes: [{ key: bytes(3), value: bytes(1024 * 1024 + 1) }], wantValues: false },
      "prepare: writes [0] value is 1048577 bytes, the limit is 1048576"],
    [{ type: "prepare", txid: "3.1", writes: [{ key: "k", value: null }], wantValues: false }, "prepare: writes [0] key must be bytes, got string"],
    [{ type: "prepare", txid: "3.1", writes: {}, wantValues: false }, "prepare: writes must be a list, got object"],
    [{ type: "prepare", txid: "3.1", writes: [], wantValues: "yes" }, "prepare: wantValues must be a boolean, got string"],
    [{ type: "prepare", txid: "x".repeat(65), writes: [], wantValues: false }, "prepare: txid is 65 characters, the limit is 64"],
    [{ type: "prepare", txid: "3.1", writes: Array.from({ length: limits.keysPerCommandMax + 1 }, () => ({ key: bytes(1), value: null })), wantValues: false },
      `prepare: writes has ${limits.keysPerCommandMax + 1} items, the limit is ${limits.keysPerCommandMax}`],
    [{ type: "commit", txid: "3.1" }, undefined],
    [{ type: "abort", txid: 31 }, "abort: txid must be a string, got number"],
    [{ type: "read", readId: 4, keys: [bytes(10)] }, undefined],
    [{ type: "read", readId: 1.5, keys: [] }, "read: readId must be a non-negative integer, got number"],
    [{ type: "count", countId: 2 }, undefined],
    [{ type: "ping", tick: 10 }, undefined],
    [{ type: "apply", txid: "3.1", writes: [{ key: bytes(2), value: null }] }, undefined],
    [{ type: "apply", txid: "3.1", writes: [{ key: bytes(2000), value: null }] }, "apply: writes [0] key is 2000 bytes, the limit is 1024"],
    [{ type: "scan", scanId: 1, partitions: [0, 5], partitionCount: 1024, after: null, bytesMax: 65536 }, undefined],
    [{ type: "scan", scanId: 1, partitions: [0, "5"], partitionCount: 1024, after: bytes(3), bytesMax: 65536 },
      "scan: partitions [1] must be a non-negative integer, got string"],
    [{ type: "catchUp", catchUpId: 2, entries: [{ key: bytes(3), version: "2.9", value: bytes(4) }, { key: bytes(1), version: "2.8", value: null }] }, undefined],
    [{ type: "catchUp", catchUpId: 2, entries: [{ key: bytes(3), version: 29, value: null }] }, "catchUp: entries [0] version must be a string, got number"],
    [{ type: "collect", collectId: 4, partitions: [1, 2], partitionCount: 1024, before: "3.7", after: null }, undefined],
    [{ type: "collect", collectId: 4, partitions: [1], partitionCount: 1024, before: 37, after: null }, "collect: before must be a string, got number"],
    [{ type: "ping", tick: 10, extra: "a newer peer's field" }, undefined],
    [{ type: "hello" }, 'unknown message type "hello"'],
    [{ type: "__proto__" }, 'unknown message type "__proto__"'],
    [{ txid: "3.1" }, "a message needs a type, got undefined"],
    [[{ type: "commit", txid: "3.1" }], "a message must be a map, got a list"],
    [null, "a message must be a map, got null"],
  ];
  for (const [message, expected] of cases) assert.equal(coordinatorMessageProblem(message, limits), expected, JSON.stringify(message)?.slice(0, 120));
});

test("messages to the coordinator", () => {
  const cases: Array<[unknown, string | undefined]> = [
    [{ type: "vote", txid: "3.1", yes: true, previous: [{ exists: false }, { exists: true, value: bytes(2) }] }, undefined],
    [{ type: "vote", txid: "3.1", yes: false, reason: "busy" }, undefined],
    [{ type: "vote", txid: "3.1", yes: false }, "vote: reason must be a string, got undefined"],
    [{ type: "vote", txid: "3.1", yes: true, previous: [{ exists: 1 }] }, "vote: previous [0] exists must be a boolean, got number"],
    [{ type: "ack", txid: "3.1" }, undefined],
    [{ type: "inquire", txid: "3.1" }, undefined],
    [{ type: "readReply", readId: 1, values: [null, bytes(3)] }, undefined],
    [{ type: "readReply", readId: 1, values: [7] }, "readReply: values [0] must be bytes, got number"],
    [{ type: "countReply", countId: 1, keys: 12 }, undefined],
    [{ type: "pong", tick: -1 }, "pong: tick must be a non-negative integer, got number"],
    [{ type: "applied", txid: "3.1" }, undefined],
    [{ type: "caughtUp", catchUpId: 3 }, undefined],
    [{ type: "collected", collectId: 3, next: null }, undefined],
    [{ type: "collected", collectId: 3, next: "k" }, "collected: next must be bytes, got string"],
    [{ type: "scanChunk", scanId: 1, entries: [{ key: bytes(3), version: "2.9", value: bytes(4) }], next: bytes(3) }, undefined],
    [{ type: "scanChunk", scanId: 1, entries: [{ key: bytes(3), version: "2.9", value: bytes(2 * 1024 * 1024) }], next: null },
      "scanChunk: entries [0] value is 2097152 bytes, the limit is 1048576"],
    [{ type: "facts", keys: 12, dataBytes: 4096, version: "0.1.0", uptimeSeconds: 3 }, undefined],
    [{ type: "facts", keys: -1, dataBytes: 4096, version: "0.1.0", uptimeSeconds: 3 }, "facts: keys must be a non-negative integer, got number"],
    [{ type: "facts", keys: 12, dataBytes: 4096, version: "v".repeat(65), uptimeSeconds: 3 }, "facts: version is 65 characters, the limit is 64"],
    [{ type: "facts", keys: 12, dataBytes: 4096, version: "0.1.0" }, "facts: uptimeSeconds must be a non-negative integer, got undefined"],
    [{ type: "prepare", txid: "3.1", writes: [], wantValues: false }, 'unknown message type "prepare"'],
  ];
  for (const [message, expected] of cases) assert.equal(nodeMessageProblem(message, limits), expected, JSON.stringify(message));
});
