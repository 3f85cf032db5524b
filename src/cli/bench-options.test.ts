import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseBenchOptions } from "./bench-options.js";
import { SettingsError } from "./settings.js";

describe("parseBenchOptions", () => {
  it("fills in the defaults", () => {
    const options = parseBenchOptions({}, 6380);
    assert.deepEqual(options, {
      host: "127.0.0.1", port: 6380, password: undefined, workload: "set", readRatio: 0.9, clients: 50, threads: 1, pipeline: 1,
      valueBytes: 100, keyspace: 100000, stop: { durationMs: 10000 }, warmupMs: 0, preload: false, json: false, timeoutMs: 5000,
    });
  });

  it("reads every flag", () => {
    const options = parseBenchOptions({
      host: "localhost", port: "7000", password: "pw", workload: "mixed", readRatio: "0.5", clients: "8", pipeline: "16",
      valueSize: "0", keyspace: "10", requests: "1000", threads: "2", warmup: "500ms", preload: true, json: true, timeoutMs: "100",
    }, 6380);
    assert.equal(options.readRatio, 0.5);
    assert.deepEqual(options.stop, { requests: 1000 });
    assert.equal(options.warmupMs, 500);
    assert.equal(options.valueBytes, 0);
    assert.equal(options.threads, 2);
    assert.equal(options.preload && options.json, true);
  });

  const refused: Array<[string, Record<string, string | boolean>, RegExp]> = [
    ["an unknown workload", { workload: "scan" }, /--workload must be one of set, get, mixed, got "scan"/],
    ["a read ratio for another workload", { workload: "get", readRatio: "0.5" }, /--read-ratio applies to --workload mixed only/],
    ["a read ratio above 1", { workload: "mixed", readRatio: "1.5" }, /--read-ratio must be a number from 0 to 1, got "1.5"/],
    ["both stop conditions", { duration: "1s", requests: "5" }, /give --duration or --requests, not both/],
    ["a zero duration", { duration: "0s" }, /--duration must be longer than 0/],
    ["a bad duration", { duration: "soon" }, /--duration: expected a duration such as 10s/],
    ["zero clients", { clients: "0" }, /--clients must be an integer from 1 to 10000, got "0"/],
    ["more threads than clients", { clients: "2", threads: "3" }, /--threads \(3\) cannot be more than --clients \(2\)/],
    ["a pipeline past the server's bound", { pipeline: "5000" }, /--pipeline must be an integer from 1 to 1024/],
    ["a value past the value limit", { valueSize: String(2 * 1024 * 1024) }, /--value-size must be an integer from 0 to 1048576/],
  ];
  for (const [name, flags, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseBenchOptions(flags, 6380), (error: unknown) => error instanceof SettingsError && message.test(error.message));
    });
  }
});
