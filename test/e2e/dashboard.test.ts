// The live dashboard in a real browser (Debian's chromium, headless, through playwright-core):
// the page loads behind the password, shows the storage nodes and the 1024 partitions, follows
// the traffic, and shows a storage node killed with kill -9 within a few seconds. Nothing is
// fetched from anywhere but the coordinator.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Redis } from "ioredis";
import { browserMissing, launchBrowser, type Browser } from "../support/browser.js";
import { TestCluster, waitUntil } from "../support/cluster.js";

const PASSWORD = "dashboard-pw";
/** How soon a change must show on the page. */
const SHOWN_WITHIN_MS = 5_000;

let cluster: TestCluster;
let browser: Browser;
let page: Page;
let client: Redis;
const foreignRequests: string[] = [];
const pageErrors: string[] = [];

before(async () => {
  if (browserMissing) return;
  cluster = await TestCluster.start({ nodes: 3, replicas: 2, password: PASSWORD, coordinatorArgs: ["--metrics-port", "0"] });
  client = cluster.client();
  await client.connect();
  browser = await launchBrowser({ username: "default", password: PASSWORD });
  page = await browser.context.newPage();
  const origin = `http://127.0.0.1:${cluster.coordinator.metricsPort}`;
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) foreignRequests.push(request.url());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  await page.goto(`${origin}/`);
});

after(async () => {
  client?.disconnect();
  await browser?.close();
  await cluster?.stop();
});

test("without the password the dashboard is refused", { skip: browserMissing }, async () => {
  const response = await fetch(`http://127.0.0.1:${cluster.coordinator.metricsPort}/`);
  assert.equal(response.status, 401);
  assert.equal((await fetch(`http://127.0.0.1:${cluster.coordinator.metricsPort}/api/status`)).status, 401);
});

test("the page shows every node up, a healthy cluster and 1024 partitions on one canvas", { skip: browserMissing }, async () => {
  for (const id of cluster.nodeIds()) {
    await page.waitForSelector(`#nodes tr[data-node="${id}"][data-state="up"]`, { timeout: SHOWN_WITHIN_MS });
  }
  assert.equal(await page.textContent("#health"), "healthy");
  assert.match((await page.textContent("#coordinator"))!, new RegExp(`coordinator 127\\.0\\.0\\.1:${cluster.port} `));
  assert.equal(await page.getAttribute("#partitions", "data-partitions"), "1024");
  assert.match((await page.textContent("#legend"))!, /fully replicated: 1024/);
  // 1024 partitions drawn on a canvas, not as elements: the page stays small.
  const elements = await page.locator("*").count();
  assert.ok(elements < 400, `${elements} elements`);
  assert.equal(await page.getAttribute("#live", "data-live"), "live");
});

test("traffic shows in the charts within seconds", { skip: browserMissing }, async () => {
  const writing = (async () => {
    for (let i = 0; i < 200; i++) await client.set(`dash${i}`, "v");
  })();
  await textShows("#throughput-legend", /writes [1-9]/, 10_000);
  await writing;
  assert.ok(await page.locator("#throughput polyline").count() > 0, "the throughput chart has lines");
  assert.ok(await page.locator("#latency polyline").count() > 0, "the latency chart has lines");
});

test("a storage node killed with kill -9 shows as down within seconds, with why the cluster is degraded", { skip: browserMissing }, async () => {
  const killedAt = Date.now();
  await cluster.killNode("node-2");
  await page.waitForSelector('#nodes tr[data-node="node-2"][data-state="down"]', { timeout: SHOWN_WITHIN_MS });
  const shownAfterMs = Date.now() - killedAt;
  assert.ok(shownAfterMs < SHOWN_WITHIN_MS, `${shownAfterMs} ms`);
  await textShows("#health", /^degraded$/, SHOWN_WITHIN_MS);
  assert.match((await page.textContent("#reason-list"))!, /1 storage node down: node-2/);
  assert.match((await page.textContent("#action-list"))!, /start node-2 again/);
  assert.doesNotMatch((await page.textContent("#legend"))!, /fully replicated: 1024/, "partitions of node-2 are coloured as such");
  await textShows("#problems", /storage node down/, SHOWN_WITHIN_MS);
});

/** Waits until the element's text matches (polled from here: the page's CSP forbids evaluating strings in it). */
async function textShows(selector: string, pattern: RegExp, timeoutMs: number): Promise<void> {
  await waitUntil(`${selector} to show ${pattern}`, async () => pattern.test((await page.textContent(selector)) ?? ""), timeoutMs);
}

test("the page fetched nothing from elsewhere and raised no error", { skip: browserMissing }, () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
