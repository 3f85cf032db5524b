// `ringkv start` keeps its cluster running: a process killed with SIGKILL — a storage node, then
// the coordinator — is restarted by the launcher on its port, says so on the terminal and in its
// log, and the cluster serves again; SIGINT still stops everything. And it knows when to stop
// trying: a node refused by the coordinator (exit 78) is left down with the reason, and a node
// that dies at every start is given up after a few quick deaths, with the end of its log.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectClient, nodesView, pidAlive, replicasOf, waitUntil } from "../support/cluster.js";
import { killLeftovers, processesNaming, startLauncher, type Launcher } from "../support/launcher.js";
import { tempDir } from "../support/ringkv-process.js";

const RESTART_TIMEOUT_MS = 30_000;

/** Writes `key` through the coordinator on `port` and reads it back. */
async function writeAndRead(port: number, key: string, value: string): Promise<string | null> {
  const client = connectClient(port);
  await client.connect();
  try {
    assert.equal(await client.set(key, value), "OK");
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

/** A key among k0, k1, ... whose replicas include `nodeId`. */
async function keyHeldBy(port: number, nodeId: string): Promise<string> {
  const client = connectClient(port);
  await client.connect();
  try {
    for (let n = 0; ; n++) if ((await replicasOf(client, `k${n}`)).includes(nodeId)) return `k${n}`;
  } finally {
    client.disconnect();
  }
}

test("a storage node and then the coordinator killed with SIGKILL come back by themselves; SIGINT stops everything", { timeout: 120_000 }, async () => {
  const dir = tempDir("supervised");
  let launcher: Launcher | undefined;
  const pids = new Set<number>();
  try {
    launcher = await startLauncher(["--port", "0", "--data", dir.path]);
    const port = launcher.port;
    const node2 = launcher.rows.find((row) => row.name === "node-2")!;
    for (const row of launcher.rows) pids.add(row.pid);

    process.kill(node2.pid, "SIGKILL");
    await launcher.waitForLine(new RegExp(`node-2 \\(pid ${node2.pid}\\) died \\(SIGKILL\\) after [\\d.]+ s; restarting it in [\\d.]+ s`), RESTART_TIMEOUT_MS);
    const back = await launcher.waitForLine(/node-2 is back \(pid \d+\)/, RESTART_TIMEOUT_MS);
    const newPid = Number(/pid (\d+)/.exec(back)![1]);
    pids.add(newPid);
    assert.notEqual(newPid, node2.pid);
    assert.ok(back.endsWith(`on 127.0.0.1:${node2.port}`), `back on its own port: ${back}`);
    await waitUntil("node-2 up at the coordinator", async () =>
      (await nodesView(port)).some((row) => row.id === "node-2" && row.state === "up"), RESTART_TIMEOUT_MS);
    assert.equal(await writeAndRead(port, await keyHeldBy(port, "node-2"), "after node-2"), "after node-2");
    const log = readFileSync(join(dir.path, "node-2.log"), "utf8");
    assert.match(log, /"role":"launcher","msg":"node-2 \(pid \d+\) died \(SIGKILL\)[^"]*; restarting it in/, "the restart is in the node's log too");

    const coordinator = launcher.rows.find((row) => row.name === "coordinator")!;
    process.kill(coordinator.pid, "SIGKILL");
    const coordinatorBack = await launcher.waitForLine(/coordinator is back \(pid \d+\)/, RESTART_TIMEOUT_MS);
    pids.add(Number(/pid (\d+)/.exec(coordinatorBack)![1]));
    assert.ok(coordinatorBack.endsWith(`on 127.0.0.1:${port}`), "the coordinator keeps its port: clients and nodes dial it");
    await waitUntil("the restarted coordinator to serve writes", async () =>
      (await writeAndRead(port, "after-coordinator", "v")) === "v", RESTART_TIMEOUT_MS);

    assert.equal(await launcher.stop("SIGINT"), 0, "Ctrl-C stops the launcher cleanly");
    await waitUntil("no process of this cluster left", () => processesNaming(dir.path).length === 0, 10_000);
  } finally {
    await killLeftovers(launcher, pids);
    dir.remove();
  }
});

test("the launcher gives up, saying why: a node the coordinator refuses (exit 78), a node that dies at every start", { timeout: 120_000 }, async () => {
  const dir = tempDir("give-up");
  const away = tempDir("give-up-away");
  let launcher: Launcher | undefined;
  const pids = new Set<number>();
  try {
    launcher = await startLauncher(["--port", "0", "--data", dir.path]);
    const port = launcher.port;
    for (const row of launcher.rows) pids.add(row.pid);
    assert.equal(await writeAndRead(port, "first", "write"), "write", "the first write fixes the membership");

    // node-2 comes back on an empty data directory: the coordinator refuses it, and must.
    const node2 = launcher.rows.find((row) => row.name === "node-2")!;
    renameSync(join(dir.path, "node-2"), join(away.path, "node-2"));
    process.kill(node2.pid, "SIGKILL");
    await launcher.waitForLine(/node-2 \(pid \d+\) died \(exit 78\) after [\d.]+ s; not restarting it: it exited 78: the coordinator refused it/, RESTART_TIMEOUT_MS);
    await launcher.waitForLine(/not on the data directory it joined with/, 5_000);

    // node-3's data directory becomes a file: every start fails at once.
    const node3 = launcher.rows.find((row) => row.name === "node-3")!;
    renameSync(join(dir.path, "node-3"), join(away.path, "node-3"));
    writeFileSync(join(dir.path, "node-3"), "not a directory\n");
    process.kill(node3.pid, "SIGKILL");
    await launcher.waitForLine(/node-3 \(pid \d+\) died \(exit \d+\) after [\d.]+ s; not restarting it: it died 5 times in a row, each within 10 s of starting/, RESTART_TIMEOUT_MS);
    // The restarts the terminal reported (not the log lines quoted under the give-up), and their pauses:
    // doubling with each quick death. The SIGKILL itself counts as one when node-3 had run under 10 s.
    const pauses = launcher.output
      .map((line) => /^\d\d:\d\d:\d\d node-3 \(pid \d+\) died .*; restarting it in ([\d.]+) s$/.exec(line)?.[1])
      .filter((pause) => pause !== undefined);
    assert.ok(pauses.length === 4 || pauses.length === 5, `four quick deaths restarted, and the SIGKILL: ${pauses.join(", ")}`);
    assert.deepEqual(pauses.slice(-4), ["0.2", "0.4", "0.8", "1.6"]);
    for (const line of launcher.output) {
      const pid = /is back \(pid (\d+)\)|\(pid (\d+)\) died/.exec(line);
      if (pid) pids.add(Number(pid[1] ?? pid[2]));
    }

    assert.ok(pidAlive(launcher.rows[0]!.pid), "the coordinator still runs");
    assert.equal(await launcher.stop(), 0);
    await waitUntil("no process of this cluster left", () => processesNaming(dir.path).length === 0, 10_000);
  } finally {
    await killLeftovers(launcher, pids);
    dir.remove();
    away.remove();
  }
});
