import assert from "node:assert/strict";
import { test } from "node:test";
import { RestartPolicy, type Death } from "./restart-policy.js";

const limits = { restartBackoffMs: 100, restartBackoffMsMax: 1_000, healthyRunMs: 10_000, quickDeathsMax: 5 };
const quick: Death = { code: null, signal: "SIGKILL", ranMs: 500 };
const healthy: Death = { code: null, signal: "SIGKILL", ranMs: 60_000 };

test("quick deaths in a row back off by doubling, up to the cap, then the policy gives up saying why", () => {
  const policy = new RestartPolicy(limits);
  const delays = [1, 2, 3, 4].map(() => policy.decide(quick));
  assert.deepEqual(delays.map((d) => (d.restart ? d.delayMs : "stop")), [100, 200, 400, 800]);
  const last = policy.decide(quick);
  assert.equal(last.restart, false);
  assert.match(last.restart ? "" : last.reason, /died 5 times in a row, each within 10 s of starting/);
});

test("the pause is capped", () => {
  const policy = new RestartPolicy({ ...limits, quickDeathsMax: 100 });
  let delay = 0;
  for (let i = 0; i < 20; i++) {
    const decision = policy.decide(quick);
    if (decision.restart) delay = decision.delayMs;
  }
  assert.equal(delay, 1_000);
});

test("a death after a healthy run starts the count again", () => {
  const policy = new RestartPolicy(limits);
  for (let i = 0; i < 4; i++) policy.decide(quick);
  assert.deepEqual(policy.decide(healthy), { restart: true, delayMs: 100, quickDeaths: 0 });
  for (let i = 0; i < 4; i++) assert.equal(policy.decide(quick).restart, true, "four quick deaths are not yet five");
});

test("exit 78, a node the coordinator refused, is never restarted, with the reason", () => {
  const decision = new RestartPolicy(limits).decide({ code: 78, signal: null, ranMs: 60_000 });
  assert.equal(decision.restart, false);
  assert.match(decision.restart ? "" : decision.reason, /exited 78: the coordinator refused it, which a restart cannot fix/);
});
