// What a person sees of a membership change and of repair, with real processes: a 3-node cluster
// (R = 3) holding a few MB grows to 4 with its moves throttled so that they last seconds. While
// partitions move, `ringkv status` (text and --json), the coordinator's metrics and its log must
// show the change; once it is done, all three must say so. A repair round then moves the repair
// metrics.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { NO_CACHE_ARGS, TestCluster, waitUntil } from "../support/cluster.js";
import { scrape, sample } from "../support/metrics.js";
import { runRingkv } from "../support/ringkv-process.js";
import type { StatusReport } from "../../src/observability/status-report.js";

/** About 2 MB on each replica: node-4 takes about three quarters of it at 300 kB/s, several seconds. */
const FILL_KEYS = 2_000;
const FILL_VALUE = "s".repeat(1024);
const MOVE_BYTES_PER_SECOND = 300_000;
const MOVE_MAX_MS = 60_000;

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({
    nodes: 3, replicas: 3,
    coordinatorArgs: ["--min-in-sync", "2", "--move-bytes-per-second", String(MOVE_BYTES_PER_SECOND), "--metrics-port", "0", ...NO_CACHE_ARGS],
  });
  const client = cluster.client();
  await client.connect();
  for (let start = 0; start < FILL_KEYS; start += 200) {
    await client.call("MSET", ...Array.from({ length: 200 }, (_, i) => [`fill:${start + i}`, FILL_VALUE]).flat());
  }
  client.disconnect();
});

after(async () => {
  await cluster?.stop();
});

const status = (...args: string[]) => runRingkv(["status", "--port", String(cluster.port), ...args]);
const metrics = () => scrape(cluster.coordinator.metricsPort!);

test("a node joining: status, metrics and the log show the move while it runs and its end after", { timeout: 120_000 }, async () => {
  const nodeStarted = cluster.restartNode("node-4");
  let report: StatusReport | undefined;
  await waitUntil("ringkv status --json showing a move with partitions still to go", async () => {
    report = JSON.parse((await status("--json")).stdout) as StatusReport;
    return report.move !== null && report.move.state === "moving" && report.move.partitionsDone < report.move.partitions;
  }, 20_000, 100);
  assert.deepEqual(report!.move!.joining, ["node-4"]);
  assert.deepEqual(report!.move!.ring, ["node-1", "node-2", "node-3"]);
  assert.ok(report!.move!.partitions > 0);
  assert.equal(report!.nodes.find((node) => node.id === "node-4")?.role, "joining");

  const text = (await status()).stdout;
  assert.match(text, /^move: adding node-4 \(node-1,node-2,node-3 -> node-1,node-2,node-3,node-4\): \d+ of \d+ partitions in sync \(\d+%\), [\d,]+ keys \(.+\) copied$/m, text);
  assert.match(text, /^node-4 +\S+ +joining +127\.0\.0\.1:\d+/m, text);
  const during = await metrics();
  assert.equal(sample(during, "ringkv_move_in_progress"), 1);
  assert.equal(sample(during, "ringkv_move_partitions", { progress: "total" }), report!.move!.partitions);
  assert.ok(sample(during, "ringkv_partition_learners") > 0, "the moving partitions' new replicas are learners");

  await nodeStarted;
  await waitUntil("the move done", async () => (JSON.parse((await status("--json")).stdout) as StatusReport).move === null, MOVE_MAX_MS, 200);
  const done = await status();
  assert.doesNotMatch(done.stdout, /^move:/m);
  assert.match(done.stdout, /^node-4 +up +active +127\.0\.0\.1:\d+/m, done.stdout);
  const afterwards = await metrics();
  assert.equal(sample(afterwards, "ringkv_move_in_progress"), 0);
  assert.equal(sample(afterwards, "ringkv_partition_learners"), 0);
  // The coordinator's watch logs what changed once a second: the end may come up to a second after status shows it.
  await waitUntil("the coordinator's log showing the move's end", async () => cluster.coordinator.logs.some((line) => line.includes("membership change finished")), 5_000, 100);
  const log = cluster.coordinator.logs.join("\n");
  assert.equal(log.match(/membership change started/g)?.length, 1, "the start logged once");
  assert.equal(log.match(/membership change finished: the ring is node-1,node-2,node-3,node-4/g)?.length, 1, "the end logged once");
});

test("a repair round moves the repair metrics", { timeout: 60_000 }, async () => {
  const before = await metrics();
  const client = cluster.client();
  await client.connect();
  try {
    await client.call("RINGKV", "REPAIR");
  } finally {
    client.disconnect();
  }
  await waitUntil("the repair round counted", async () => sample(await metrics(), "ringkv_repair_rounds_total") === sample(before, "ringkv_repair_rounds_total") + 1, 30_000, 200);
  const afterwards = await metrics();
  assert.equal(sample(afterwards, "ringkv_repair_running"), 0);
  assert.ok(afterwards.has('ringkv_repair_last_round_keys{outcome="compared"}'), "the last round's figures once a round has finished");
  assert.equal(sample(afterwards, "ringkv_repair_last_round_keys", { outcome: "diverged" }), 0, "healthy replicas agree");
  assert.equal(sample(afterwards, "ringkv_repair_keys_total", { outcome: "fixed" }), sample(before, "ringkv_repair_keys_total", { outcome: "fixed" }));
  assert.match((await status()).stdout, /^cluster healthy/);
});
