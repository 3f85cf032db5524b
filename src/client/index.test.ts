import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as ringkv from "./index.js";

describe("the package's entry point", () => {
  it("exports connect, the client and every error class", () => {
    for (const name of ["connect", "createClient", "RingkvClient", "RingkvClientError", "ConnectionError", "TimeoutError",
      "RetryableError", "ServerError", "AuthError", "NotCoordinatorError", "UnexpectedReplyError"]) {
      assert.equal(typeof (ringkv as Record<string, unknown>)[name], "function", name);
    }
    assert.equal(ringkv.DEFAULT_PORT, 6380);
  });

  it("makes every error a RingkvClientError with a stable code", () => {
    const errors: Array<[ringkv.RingkvClientError, string]> = [
      [new ringkv.ConnectionError("x"), "CONNECTION"],
      [new ringkv.TimeoutError("x", { outcomeUnknown: true }), "TIMEOUT"],
      [new ringkv.RetryableError("CLUSTERDOWN", "x"), "CLUSTERDOWN"],
      [new ringkv.ServerError("ERR", "x"), "ERR"],
      [new ringkv.AuthError("WRONGPASS", "x"), "WRONGPASS"],
      [new ringkv.NotCoordinatorError("x"), "NOTCOORDINATOR"],
      [new ringkv.UnexpectedReplyError("x"), "UNEXPECTED_REPLY"],
    ];
    for (const [error, code] of errors) {
      assert.ok(error instanceof ringkv.RingkvClientError && error instanceof Error);
      assert.equal(error.code, code);
    }
  });
});
