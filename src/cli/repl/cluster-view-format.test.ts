import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLocate, formatNodes } from "./cluster-view-format.js";

const b = (text: string) => Buffer.from(text);
const node = (id: string, state: string, primary: number) => [
  b("id"), b(id), b("address"), b(`127.0.0.1:700${id.slice(-1)}`), b("state"), b(state), b("joined"), 1,
  b("primary_partitions"), primary, b("replica_partitions"), 2 * primary,
  b("in_sync_partitions"), state === "up" ? 2 * primary : 0, b("catch_up"), b(state === "up" ? "-" : `${2 * primary} partitions out of sync`),
];

test("nodes: one row a storage node, columns aligned, from RESP2 pairs", () => {
  assert.equal(formatNodes([node("node-1", "up", 341), node("node-2", "down", 7)]), [
    "id      address         state  joined  primary partitions  replica partitions  in sync  catch-up",
    "node-1  127.0.0.1:7001  up     yes     341                 682                 682      -",
    "node-2  127.0.0.1:7002  down   yes     7                   14                  0        14 partitions out of sync",
  ].join("\n"));
});

test("nodes: RESP3 maps read the same as pairs", () => {
  const asMap = (pairs: unknown[]) => new Map(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
  const pairs = [node("node-1", "up", 3)];
  assert.equal(formatNodes(pairs.map(asMap) as never), formatNodes(pairs));
});

test("nodes: no members, and a shape it does not know (left to the generic display)", () => {
  assert.equal(formatNodes([]), "(no storage nodes)");
  assert.equal(formatNodes(b("not a list")), undefined);
  assert.equal(formatNodes([[b("address"), b("x")]]), undefined, "a row without an id");
  assert.equal(formatNodes([[b("id")]]), undefined, "an odd list is not pairs");
});

test("locate: the partition, then the replicas with the primary first", () => {
  const reply = [
    b("partition"), 240, b("replicas"), [
      [b("id"), b("node-3"), b("address"), b("127.0.0.1:7003"), b("state"), b("up")],
      [b("id"), b("node-1"), b("address"), b("127.0.0.1:7001"), b("state"), b("down")],
    ],
  ];
  assert.equal(formatLocate(reply), [
    "partition 240",
    "role       node    address         state",
    "primary    node-3  127.0.0.1:7003  up",
    "replica 1  node-1  127.0.0.1:7001  down",
  ].join("\n"));
  assert.equal(formatLocate([b("partition"), 1]), undefined, "no replicas list");
});
