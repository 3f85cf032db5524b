import { test } from "node:test";
import assert from "node:assert/strict";
import { CALM_PLAN } from "./faults.js";
import { Nemesis, type NemesisTargets } from "./nemesis.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";

function world(plan: Partial<typeof CALM_PLAN>) {
  const scheduler = new Scheduler(100_000);
  const alive = new Map([["coordinator", true], ["n1", true], ["n2", true]]);
  const paused = new Set<string>();
  const actions: string[] = [];
  const targets: NemesisTargets = {
    coordinator: "coordinator",
    nodes: ["n1", "n2"],
    isAlive: (name) => alive.get(name)!,
    isPaused: (name) => paused.has(name),
    crash: (name) => { alive.set(name, false); actions.push(`crash ${name}`); },
    crashMidSync: (name, untilUs) => {
      assert.ok(untilUs > scheduler.nowUs);
      alive.set(name, false);
      actions.push(`crashMidSync ${name}`);
    },
    restart: (name) => { alive.set(name, true); actions.push(`restart ${name}`); },
    pause: (name) => { paused.add(name); actions.push(`pause ${name}`); },
    resume: (name) => { paused.delete(name); actions.push(`resume ${name}`); },
    cut: (node, cut) => actions.push(`cut ${node} ${cut}`),
    heal: (node) => actions.push(`heal ${node}`),
    impostor: (node) => actions.push(`impostor ${node}`),
    aimCoordinatorCrash: (window, untilUs) => {
      assert.ok(untilUs > scheduler.nowUs);
      actions.push(`aim ${window}`);
    },
    stallDisk: (name, untilUs) => {
      assert.ok(untilUs >= scheduler.nowUs);
      actions.push(`stall ${name}`);
    },
  };
  const nemesis = new Nemesis(scheduler, new Prng(3), { ...CALM_PLAN, ...plan }, targets);
  return { scheduler, nemesis, actions, alive };
}

const count = (actions: string[], prefix: string): number => actions.filter((action) => action.startsWith(prefix)).length;

test("a calm plan does nothing", () => {
  const { scheduler, nemesis, actions } = world({});
  nemesis.start();
  scheduler.runUntil(60_000_000);
  assert.deepEqual(actions, []);
});

test("crashes come at about their rate, hit the coordinator at about its share, and every victim is restarted", () => {
  const { scheduler, nemesis, actions, alive } = world({ crashesPerSecond: 2, crashCoordinatorShare: 0.25, restartMeanMs: 50, crashMidSyncShare: 0.5 });
  nemesis.start();
  scheduler.runUntil(100_000_000);
  nemesis.stop();
  scheduler.runUntil(110_000_000);
  const crashes = count(actions, "crash");
  assert.ok(crashes > 120 && crashes < 220, `${crashes} crashes in 100 s`);
  const coordinator = actions.filter((action) => action.startsWith("crash") && action.endsWith("coordinator")).length;
  assert.ok(coordinator > crashes * 0.1 && coordinator < crashes * 0.4, `${coordinator} of ${crashes} at the coordinator`);
  assert.ok(count(actions, "crashMidSync") > crashes * 0.3);
  assert.equal(count(actions, "restart"), crashes);
  assert.ok([...alive.values()].every(Boolean));
});

test("cuts are healed and pauses resumed; one-way cuts at about their share", () => {
  const { scheduler, nemesis, actions } = world({ partitionsPerSecond: 2, partitionOneWayShare: 0.5, partitionMeanMs: 100, pausesPerSecond: 1, pauseMeanMs: 100 });
  nemesis.start();
  scheduler.runUntil(50_000_000);
  nemesis.stop();
  scheduler.runUntil(60_000_000);
  const cuts = count(actions, "cut");
  assert.ok(cuts > 60, `${cuts} cuts`);
  assert.equal(count(actions, "heal"), cuts);
  const oneWay = actions.filter((action) => action.startsWith("cut") && !action.endsWith("both")).length;
  assert.ok(oneWay > cuts * 0.3 && oneWay < cuts * 0.7, `${oneWay} of ${cuts} one way`);
  assert.ok(count(actions, "pause") > 20);
  assert.equal(count(actions, "resume"), count(actions, "pause"));
});

test("after stop, no new fault starts", () => {
  const { scheduler, nemesis, actions } = world({ crashesPerSecond: 5, restartMeanMs: 10 });
  nemesis.start();
  scheduler.runUntil(1_000_000);
  nemesis.stop();
  const before = count(actions, "crash");
  scheduler.runUntil(20_000_000);
  assert.equal(count(actions, "crash"), before);
});

test("impostors come at their rate, each claiming a member", () => {
  const { scheduler, nemesis, actions } = world({ impostorsPerSecond: 5 });
  nemesis.start();
  scheduler.runUntil(10_000_000);
  nemesis.stop();
  const impostors = actions.filter((action) => action.startsWith("impostor"));
  assert.ok(impostors.length > 20 && impostors.length < 100, `${impostors.length} impostors in 10 s at 5/s`);
  assert.ok(impostors.every((action) => /^impostor n[12]$/.test(action)));
});

test("aimed crashes wait for their windows at about their shares, and the coordinator is restarted after each", () => {
  const { scheduler, nemesis, actions, alive } = world({ aimedCrashesPerSecond: 2, aimedInquiryShare: 0.5, restartMeanMs: 50 });
  nemesis.start();
  scheduler.runUntil(50_000_000);
  nemesis.stop();
  const aimed = actions.filter((action) => action.startsWith("aim"));
  assert.ok(aimed.length > 60 && aimed.length < 140, `${aimed.length} aimed crashes in 50 s at 2/s`);
  const inquiry = count(aimed, "aim inquiry");
  assert.ok(inquiry > aimed.length * 0.3 && inquiry < aimed.length * 0.7, `${inquiry} of ${aimed.length} after an inquiry`);
  assert.ok(count(aimed, "aim decision") > count(aimed, "aim inSync"), "decisions are aimed at more often than inSync records");
  // The world here never crashes on its own; a crash it was aimed at would be mended by a restart.
  alive.set("coordinator", false);
  scheduler.runUntil(60_000_000);
  assert.ok(count(actions, "restart coordinator") >= 1);
});

test("disk stalls come at their rate, a share of them on the coordinator's disk", () => {
  const { scheduler, nemesis, actions } = world({ stallsPerSecond: 4, stallMeanMs: 100 });
  nemesis.start();
  scheduler.runUntil(50_000_000);
  nemesis.stop();
  const stalls = count(actions, "stall");
  assert.ok(stalls > 140 && stalls < 260, `${stalls} stalls in 50 s at 4/s`);
  const coordinator = count(actions, "stall coordinator");
  assert.ok(coordinator > stalls * 0.15 && coordinator < stalls * 0.45, `${coordinator} of ${stalls} on the coordinator`);
});

test("once retired, the nemesis's pending restarts, resumes and heals do nothing", () => {
  const { scheduler, nemesis, actions } = world({ crashesPerSecond: 5, restartMeanMs: 2_000, pausesPerSecond: 5, pauseMeanMs: 2_000, partitionsPerSecond: 5, partitionMeanMs: 2_000 });
  nemesis.start();
  scheduler.runUntil(2_000_000);
  nemesis.retire();
  const mended = (): number => count(actions, "restart") + count(actions, "resume") + count(actions, "heal");
  const before = mended();
  const broken = count(actions, "crash") + count(actions, "pause") + count(actions, "cut");
  assert.ok(broken > before, `${broken} faults, ${before} mended before the retirement`);
  scheduler.runUntil(60_000_000);
  assert.equal(mended(), before);
});
