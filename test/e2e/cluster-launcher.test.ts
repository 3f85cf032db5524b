// `ringkv start --port 0`: one command brings up a coordinator and three storage nodes, prints a
// table of their pids and addresses, serves redis-cli and ioredis, and on SIGTERM stops every
// child (no child pid survives the launcher).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { connectClient, nodesView, pidAlive, waitUntil } from "../support/cluster.js";
import { tempDir } from "../support/ringkv-process.js";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;

interface TableRow {
  name: string;
  role: string;
  pid: number;
  port: number;
  data: string;
}

/** Rows of the launcher's table: "name  role  pid  127.0.0.1:port  data" ("storage node" has a space). */
function parseRow(line: string): TableRow | undefined {
  const match = /^(\S+)\s+(coordinator|storage node)\s+(\d+)\s+127\.0\.0\.1:(\d+)\s+(\S+)\s*$/.exec(line);
  if (match === null) return undefined;
  return { name: match[1]!, role: match[2]!, pid: Number(match[3]), port: Number(match[4]), data: match[5]! };
}

test("ringkv start --port 0 runs a cluster, prints its table, serves clients, and SIGTERM stops every child", { timeout: 55_000 }, async () => {
  const dir = tempDir("launcher");
  const launcher = spawn(process.execPath, [BIN, "start", "--port", "0", "--data", dir.path], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | string>((resolve) => launcher.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const output: string[] = [];
  const rows: TableRow[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no cluster after ${READY_TIMEOUT_MS} ms:\n${output.join("\n")}`)), READY_TIMEOUT_MS);
      void exited.then((code) => reject(new Error(`the launcher exited (${code}) while starting:\n${output.join("\n")}`)));
      createInterface({ input: launcher.stderr }).on("line", (line) => output.push(line));
      createInterface({ input: launcher.stdout }).on("line", (line) => {
        output.push(line);
        const row = parseRow(line);
        if (row !== undefined) rows.push(row);
        if (line.includes("Ctrl-C stops the cluster")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    assert.deepEqual(rows.map((row) => [row.name, row.role]), [
      ["coordinator", "coordinator"], ["node-1", "storage node"], ["node-2", "storage node"], ["node-3", "storage node"],
    ]);
    for (const row of rows) {
      assert.ok(pidAlive(row.pid), `${row.name} (pid ${row.pid}) runs`);
      assert.ok(row.port > 0);
      assert.equal(row.data, join(dir.path, row.name));
      assert.ok(existsSync(join(dir.path, `${row.name}.log`)), `${row.name} logs to its file`);
    }
    assert.equal(statSync(join(dir.path, "cluster.secret")).mode & 0o777, 0o600, "the secret file is private");
    const port = rows[0]!.port;
    assert.ok(output.some((line) => line.includes(`redis-cli -p ${port}`)), "the launcher says how to connect");

    const listed = await nodesView(port);
    assert.deepEqual(
      listed.map((node) => [node.id, node.address, node.state]).sort(),
      rows.slice(1).map((row) => [row.name, `127.0.0.1:${row.port}`, "up"]),
    );
    if (existsSync("/usr/bin/redis-cli")) {
      const cli = (...args: string[]) => execFileSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8" }).trim();
      assert.equal(cli("mset", "a", "1", "b", "2", "c", "3"), "OK");
      assert.equal(cli("mget", "a", "b", "c", "nope"), "1\n2\n3");
      assert.match(cli("info", "cluster"), /storage_nodes_up:3/);
    }
    const client = connectClient(port);
    await client.connect();
    try {
      assert.equal(await client.set("io", "ioredis"), "OK");
      assert.equal(await client.get("io"), "ioredis");
    } finally {
      client.disconnect();
    }

    launcher.kill("SIGTERM");
    assert.equal(await exited, 0, "the launcher exits 0 after stopping the cluster");
    await waitUntil("every child to be gone", () => rows.every((row) => !pidAlive(row.pid)), 5_000);
  } finally {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill("SIGKILL");
    for (const row of rows) if (pidAlive(row.pid)) process.kill(row.pid, "SIGKILL");
    dir.remove();
  }
});
