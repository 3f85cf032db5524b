// `ringkv start`: one command brings up a coordinator and three storage nodes, prints a table of
// their pids, addresses and metrics, and where the dashboard is, once the coordinator says it serves with every node, serves redis-cli
// and ioredis, and on SIGTERM stops every child (no child pid survives the launcher). Two
// clusters run side by side with only --port and --data different; a child that cannot start
// has its reason printed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { connectClient, nodesView, pidAlive, waitUntil } from "../support/cluster.js";
import { killLeftovers, processesNaming, spawnLauncher, startLauncher, type Launcher } from "../support/launcher.js";
import { freePorts } from "../support/ports.js";
import { tempDir } from "../support/ringkv-process.js";

test("ringkv start --port 0 runs a cluster, prints its table, passes the pace of moves and repair to its coordinator, serves clients, and SIGTERM stops every child", { timeout: 60_000 }, async () => {
  const dir = tempDir("launcher");
  let launcher: Launcher | undefined;
  try {
    launcher = await startLauncher(["--port", "0", "--data", dir.path, "--move-bytes-per-second", "1234567", "--repair-interval", "98765"]);
    const { rows, output } = launcher;
    // The pace of moves and repair reaches the coordinator it launched.
    const coordinatorArgs = readFileSync(`/proc/${rows[0]!.pid}/cmdline`, "utf8").split("\0");
    for (const [flag, value] of [["--move-bytes-per-second", "1234567"], ["--repair-interval", "98765"]]) {
      assert.equal(coordinatorArgs[coordinatorArgs.indexOf(flag!) + 1], value, `the coordinator got ${flag} ${value}: ${coordinatorArgs.join(" ")}`);
    }
    assert.deepEqual(rows.map((row) => [row.name, row.role]), [
      ["coordinator", "coordinator"], ["node-1", "storage node"], ["node-2", "storage node"], ["node-3", "storage node"],
    ]);
    for (const row of rows) {
      assert.ok(pidAlive(row.pid), `${row.name} (pid ${row.pid}) runs`);
      assert.ok(row.port > 0);
      assert.equal(row.data, join(dir.path, row.name));
      assert.ok(existsSync(join(dir.path, `${row.name}.log`)), `${row.name} logs to its file`);
      assert.equal(statSync(join(dir.path, `${row.name}.log`)).mode & 0o777, 0o600, `${row.name}'s log is private`);
      assert.equal(statSync(row.data).mode & 0o777, 0o700, `${row.name}'s data directory is private`);
      for (const name of readdirSync(row.data)) {
        assert.equal(statSync(join(row.data, name)).mode & 0o777, 0o600, `${row.name}/${name} is private`);
      }
    }
    assert.equal(statSync(dir.path).mode & 0o777, 0o700, "the cluster's data directory is private");
    assert.equal(statSync(join(dir.path, "cluster.secret")).mode & 0o777, 0o600, "the secret file is private");
    const port = launcher.port;
    assert.ok(output.some((line) => line.includes(`redis-cli -p ${port}`)), "the launcher says how to connect");

    // Where the dashboard and every process's metrics are: printed, and answering.
    const dashboard = output.map((line) => /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/) /.exec(line)?.[1]).find(Boolean);
    assert.ok(dashboard, `the launcher says where the dashboard is:\n${output.join("\n")}`);
    assert.match(await (await fetch(dashboard)).text(), /<title>ringkv cluster<\/title>/);
    assert.equal(rows[0]!.metrics, `${dashboard}metrics`);
    for (const row of rows) {
      assert.match(row.metrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const role = row.role === "coordinator" ? "coordinator" : "cluster-node";
      assert.match(await (await fetch(row.metrics)).text(), new RegExp(`ringkv_build_info\\{version="[^"]+",role="${role}"\\} 1`));
    }

    // Ready means serving: the first write right after the table is accepted.
    const client = connectClient(port);
    await client.connect();
    try {
      assert.equal(await client.set("io", "ioredis"), "OK");
      assert.equal(await client.get("io"), "ioredis");
    } finally {
      client.disconnect();
    }
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

    assert.equal(await launcher.stop(), 0, "the launcher exits 0 after stopping the cluster");
    await waitUntil("every child to be gone", () => rows.every((row) => !pidAlive(row.pid)), 5_000);
    // The log files hold JSON lines only, with level names.
    for (const row of rows) {
      for (const line of readFileSync(join(dir.path, `${row.name}.log`), "utf8").split("\n").filter(Boolean)) {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
        assert.ok(typeof entry.level === "string" && typeof entry.msg === "string", line);
      }
    }
  } finally {
    await killLeftovers(launcher, launcher?.rows.map((row) => row.pid) ?? []);
    dir.remove();
  }
});

test("two clusters run side by side with only --port and --data different, and a restart keeps every node's port", { timeout: 120_000 }, async () => {
  const dirs = [tempDir("side-a"), tempDir("side-b")];
  const ports = await freePorts(2);
  const launchers: Launcher[] = [];
  const pids = new Set<number>();
  const start = async (i: number) => {
    const launcher = await startLauncher(["--port", String(ports[i]), "--data", dirs[i]!.path]);
    launchers.push(launcher);
    for (const row of launcher.rows) pids.add(row.pid);
    return launcher;
  };
  try {
    const [a, b] = await Promise.all([start(0), start(1)]);
    const nodePorts = (launcher: Launcher) => launcher.rows.filter((row) => row.role === "storage node").map((row) => row.port);
    assert.equal(a!.port, ports[0]);
    assert.equal(b!.port, ports[1]);
    const taken = [...nodePorts(a!), ...nodePorts(b!), a!.port, b!.port];
    assert.equal(new Set(taken).size, taken.length, `no port shared: ${taken.join(", ")}`);

    // Each serves its own data.
    for (const [launcher, value] of [[a!, "from a"], [b!, "from b"]] as const) {
      const client = connectClient(launcher.port);
      await client.connect();
      try {
        assert.equal(await client.set("whose", value), "OK");
      } finally {
        client.disconnect();
      }
    }
    const read = async (launcher: Launcher) => {
      const client = connectClient(launcher.port);
      await client.connect();
      try {
        return await client.get("whose");
      } finally {
        client.disconnect();
      }
    };
    assert.equal(await read(a!), "from a");
    assert.equal(await read(b!), "from b");

    // Cluster a again on its data directory: the same node ports, the same data.
    const before = nodePorts(a!);
    assert.equal(await a!.stop(), 0);
    const again = await start(0);
    assert.deepEqual(nodePorts(again), before, "the nodes are back on the ports they had");
    assert.equal(await read(again), "from a");
    assert.equal(await read(b!), "from b", "the other cluster never noticed");
  } finally {
    for (const launcher of launchers) await killLeftovers(launcher, []);
    await killLeftovers(undefined, pids);
    for (const dir of dirs) dir.remove();
  }
});

/** Holds `port` on 127.0.0.1 as another program would, until closed. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

test("a process that cannot start has its reason on the launcher's terminal, and nothing is left running", { timeout: 60_000 }, async () => {
  const [coordinatorPort, nodePort, takenPort] = await freePorts(3);
  const dirs = [tempDir("taken-coordinator"), tempDir("taken-node")];
  const blockers: Server[] = [];
  try {
    // The coordinator's port is taken.
    blockers.push(await occupy(takenPort!));
    const first = spawnLauncher(["--port", String(takenPort), "--data", dirs[0]!.path]);
    assert.notEqual(await first.exited, 0);
    const said = first.output.join("\n");
    assert.match(said, /coordinator exited \(1\) while starting; the end of its log \(.*coordinator\.log\):/);
    assert.match(said, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${takenPort}`), "the reason itself, not only where the log is");
    assert.deepEqual(processesNaming(dirs[0]!.path), []);

    // node-2's port (--node-port B: node-1 on B, node-2 on B + 1) is taken: the others are stopped.
    blockers.push(await occupy(nodePort! + 1));
    const second = spawnLauncher(["--port", String(coordinatorPort), "--node-port", String(nodePort), "--data", dirs[1]!.path]);
    assert.notEqual(await second.exited, 0);
    const told = second.output.join("\n");
    assert.match(told, /node-2 exited \(1\) while starting; the end of its log/);
    assert.match(told, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${nodePort! + 1}`));
    assert.deepEqual(processesNaming(dirs[1]!.path), [], "the coordinator and the other nodes were stopped with the launcher");
  } finally {
    for (const blocker of blockers) blocker.close();
    for (const dir of dirs) dir.remove();
  }
});
