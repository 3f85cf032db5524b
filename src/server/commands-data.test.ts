import { test } from "node:test";
import assert from "node:assert/strict";
import { RingkvError } from "../shared/errors.js";
import { parseSetOptions } from "./commands-data.js";

const setArgs = (...options: string[]): Buffer[] => ["SET", "k", "v", ...options].map((part) => Buffer.from(part));

test("SET options follow Redis 7's syntax rules", () => {
  const cases: Array<[string[], object | string]> = [
    [[], {}],
    [["NX"], { condition: "NX" }],
    [["xx"], { condition: "XX" }],
    [["GET"], { returnPrevious: true }],
    [["NX", "GET"], { condition: "NX", returnPrevious: true }],
    [["NX", "NX"], { condition: "NX" }],
    [["NX", "XX"], "ERR syntax error"],
    [["XX", "NX"], "ERR syntax error"],
    [["FOO"], "ERR syntax error"],
    [["EX"], "ERR syntax error"], // EX without its time
    [["EX", "10", "PX", "5"], "ERR syntax error"],
    [["KEEPTTL", "EX", "10"], "ERR syntax error"],
    [["EX", "10"], "ERR expiry (EX) is not supported yet by ringkv"],
    [["px", "10"], "ERR expiry (PX) is not supported yet by ringkv"],
    [["EXAT", "10", "NX"], "ERR expiry (EXAT) is not supported yet by ringkv"],
    [["PXAT", "10"], "ERR expiry (PXAT) is not supported yet by ringkv"],
    [["KEEPTTL"], "ERR expiry (KEEPTTL) is not supported yet by ringkv"],
  ];
  for (const [options, expected] of cases) {
    const parsed = parseSetOptions(setArgs(...options));
    if (typeof expected === "string") {
      assert.ok(parsed instanceof RingkvError, options.join(" "));
      assert.equal(parsed.toResp(), expected, options.join(" "));
    } else {
      assert.deepEqual(parsed, expected, options.join(" "));
    }
  }
});
