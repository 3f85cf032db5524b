import assert from "node:assert/strict";
import { test } from "node:test";
import { makeCoordinatorConfig, makeParticipantConfig } from "./config.js";

test("timeouts default from milliseconds through ticksPerSecond", () => {
  const at10ms = makeCoordinatorConfig();
  const at50ms = makeCoordinatorConfig({ ticksPerSecond: 20 });
  assert.equal(at10ms.prepareTimeoutTicks, 100);
  assert.equal(at50ms.prepareTimeoutTicks, 20);
  assert.equal(at10ms.minNodes, at10ms.replicas, "minNodes defaults to R");
  assert.equal(makeCoordinatorConfig({ replicas: 5 }).minNodes, 5);
  assert.equal(makeParticipantConfig({ ticksPerSecond: 1000 }).inquireTicks, 1000);
});

test("explicit options win; undefined means the default", () => {
  const config = makeCoordinatorConfig({ resendTicks: 7, readTimeoutTicks: undefined, cache: { ways: 4 } });
  assert.equal(config.resendTicks, 7);
  assert.equal(config.readTimeoutTicks, makeCoordinatorConfig().readTimeoutTicks);
  // Sets, unless given, are as many as fill the bytes with the ways given.
  assert.deepEqual(config.cache, { sets: 32768, ways: 4, bytesMax: 64 * 1024 * 1024 });
});

test("bad options are refused with the option's name", () => {
  const cases: Array<[Parameters<typeof makeCoordinatorConfig>[0], RegExp]> = [
    [{ lockQueueMax: 0 }, /lockQueueMax must be a positive integer, got 0/],
    [{ resendTicks: 1.5 }, /resendTicks must be a positive integer/],
    [{ cache: { sets: -1 } }, /sets must be a positive integer/],
    [{ replicas: 3, minNodes: 2 }, /minNodes \(2\) must be at least replicas \(3\)/],
    [{ heartbeatTicks: 10, nodeDownTicks: 10 }, /nodeDownTicks \(10\) must exceed heartbeatTicks/],
    [{ heartbeatTicks: 100 }, /heartbeatTicks \(100\) must be under one second \(100 ticks\)/],
    [{ minNodes: 5, membersMax: 4 }, /membersMax \(4\) must be at least minNodes/],
  ];
  for (const [options, message] of cases) assert.throws(() => makeCoordinatorConfig(options), message);
  assert.throws(() => makeParticipantConfig({ finishedTxidsMax: 0 }), /finishedTxidsMax/);
});
