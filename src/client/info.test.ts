import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseInfo } from "./info.js";

describe("parseInfo", () => {
  it("reads sections and fields, keeping colons inside values", () => {
    const text = "# Server\r\nredis_version:7.2.4\r\nexecutable:/usr/bin/x\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=0\r\nlist:a:b\r\n";
    assert.deepEqual(parseInfo(text), {
      server: { redis_version: "7.2.4", executable: "/usr/bin/x" },
      keyspace: { db0: "keys=3,expires=0", list: "a:b" },
    });
  });

  it("puts fields before any heading under the empty section name and skips junk lines", () => {
    assert.deepEqual(parseInfo("loading:0\nnot a field\n:novalue\n"), { "": { loading: "0" } });
    assert.deepEqual(parseInfo(""), {});
  });
});
