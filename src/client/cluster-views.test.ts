import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RespValue } from "../codec/resp-decoder.js";
import { parseLocation, parseNodes } from "./cluster-views.js";
import { UnexpectedReplyError } from "./errors.js";

const b = (value: string): Buffer => Buffer.from(value);

describe("cluster views", () => {
  it("reads RINGKV NODES from RESP2 field/value lists, as the coordinator sends them", () => {
    const reply: RespValue = [
      [b("id"), b("n1"), b("address"), b("127.0.0.1:7001"), b("state"), b("up"), b("joined"), 1,
        b("primary_partitions"), 512, b("replica_partitions"), 512,
        b("keys"), 40, b("data_bytes"), 36_864, b("version"), b("0.1.0"), b("uptime_seconds"), 93],
      [b("id"), b("n2"), b("address"), b("127.0.0.1:7002"), b("state"), b("down"), b("joined"), 0,
        b("keys"), 12, b("data_bytes"), b("-"), b("version"), b("-"), b("uptime_seconds"), b("-")],
      [b("id"), b("n3"), b("address"), b("127.0.0.1:7003"), b("up"), 1],
    ];
    assert.deepEqual(parseNodes(reply), [
      { id: "n1", address: "127.0.0.1:7001", up: true, joined: true, primaryPartitions: 512, replicaPartitions: 512,
        keys: 40, dataBytes: 36_864, version: "0.1.0", uptimeSeconds: 93 },
      { id: "n2", address: "127.0.0.1:7002", up: false, joined: false, keys: 12 },
      { id: "n3", address: "127.0.0.1:7003", up: true },
    ]);
  });

  it("reads RINGKV LOCATE from RESP3 maps", () => {
    const replica = (id: string, up: boolean): RespValue => new Map<RespValue, RespValue>([["id", b(id)], ["address", b(`h:${id}`)], ["state", up ? "up" : "down"]]);
    const reply: RespValue = new Map<RespValue, RespValue>([[b("partition"), 17], [b("replicas"), [replica("n2", true), replica("n1", false)]]]);
    assert.deepEqual(parseLocation(reply), {
      partition: 17,
      replicas: [{ id: "n2", address: "h:n2", up: true }, { id: "n1", address: "h:n1", up: false }],
    });
  });

  const malformed: Array<[string, () => unknown, RegExp]> = [
    ["a missing field", () => parseNodes([[b("id"), b("n1")]]), /RINGKV NODES answered a record without the field "address"/],
    ["an odd field list", () => parseNodes([[b("id")]]), /RINGKV NODES answered an array of 1, expected a map or a list of field\/value pairs/],
    ["a text key count", () => parseNodes([[b("id"), b("n"), b("address"), b("a"), b("state"), b("up"), b("keys"), b("many")]]), /RINGKV NODES answered a bulk string of 4 bytes, expected an integer/],
    ["a bad flag", () => parseNodes([[b("id"), b("n"), b("address"), b("a"), b("up"), b("maybe")]]), /expected a yes\/no flag/],
    ["not a list", () => parseNodes(b("nope")), /RINGKV NODES answered a bulk string of 4 bytes, expected an array/],
    ["a text partition", () => parseLocation([b("partition"), b("x"), b("replicas"), []]), /RINGKV LOCATE answered a bulk string of 1 bytes, expected an integer/],
  ];
  for (const [name, parse, message] of malformed) {
    it(`refuses ${name} with an UnexpectedReplyError`, () => {
      assert.throws(parse, (error: unknown) => error instanceof UnexpectedReplyError && message.test(error.message));
    });
  }
});
