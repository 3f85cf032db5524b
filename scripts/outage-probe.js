#!/usr/bin/env node
// Measures how long writes fail when a storage node dies: writes SET to KEYS keys over and over
// (one at a time, each answered before the next), starting before the kill. Prints one JSON line:
// when the first write failed after the start, when every key had been written again without a
// failure since (the outage, in ms), and how many writes failed. The caller kills the node
// KILL_AFTER_MS after starting this (it prints "ready" on stderr when its first round is done).
//
// Usage (after `npm run build`): node scripts/outage-probe.js HOST:PORT [--keys 300] [--seconds 20]
import { parseArgs } from "node:util";
import { RespConnection } from "../dist/src/client/resp-connection.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { keys: { type: "string", default: "300" }, seconds: { type: "string", default: "20" } },
});
const [host, portText] = (positionals[0] ?? "").split(":");
const keys = Array.from({ length: Number(values.keys) }, (_, i) => `probe:${i}`);
const deadline = performance.now() + Number(values.seconds) * 1000;
const connection = await RespConnection.connect({ host, port: Number(portText) });

let firstFailureAt = null;
let failures = 0;
/** Keys written successfully since the last failure of each: all of them means writes are back. */
const okSinceFailure = new Set(keys);
let recoveredAt = null;
let round = 0;
const started = performance.now();
while (performance.now() < deadline && recoveredAt === null) {
  for (const key of keys) {
    try {
      await connection.send(["SET", key, `v${round}`], { timeoutMs: 10_000 });
      okSinceFailure.add(key);
      if (firstFailureAt !== null && okSinceFailure.size === keys.length) {
        recoveredAt = performance.now();
        break;
      }
    } catch {
      failures += 1;
      firstFailureAt ??= performance.now();
      okSinceFailure.delete(key);
    }
  }
  if (round === 0) console.error("ready");
  round += 1;
}
connection.close();
const outageMs = firstFailureAt === null ? 0 : recoveredAt === null ? null : Math.round(recoveredAt - firstFailureAt);
console.log(JSON.stringify({
  firstFailureMs: firstFailureAt === null ? null : Math.round(firstFailureAt - started), outageMs, failures, rounds: round,
}));
