// `ringkv start` (and `npm start`): a local cluster with one command — a coordinator and N
// storage nodes, each a real process on 127.0.0.1, restarted when it dies. Running it again on the
// same --data brings the same cluster back with its data, on the same ports.

import type { Command } from "commander";
import { openCoordinatorSession } from "./coordinator-session.js";
import { CLIENT_LIMITS } from "../shared/limits.js";
import { followMoves } from "./move-progress.js";
import { launchCluster, type ClusterLaunch, type LaunchedCluster } from "../runtime/launcher.js";
import { NODE_PORTS_FILE } from "../runtime/node-ports.js";
import { DEFAULTS } from "../shared/defaults.js";
import { passwordOption } from "./credentials.js";
import { addMoveRepairOptions, moveRepairSettings } from "./move-repair-options.js";
import { gatherOptions, integerOption, logLevelOption, portOption, stringOption, type RawOptions } from "./settings.js";

export function registerStartCommand(program: Command): void {
  addMoveRepairOptions(program.command("start"))
    .description("run a local cluster: a coordinator and N storage nodes, each its own process on 127.0.0.1")
    .option("--nodes <n>", `storage nodes (default ${DEFAULTS.localNodes})`)
    .option("--replicas <r>", `replicas of every key (default ${DEFAULTS.replicas}: any one node can die and every key stays readable)`)
    .option("--min-in-sync <w>", `fewest in-sync replicas a partition keeps when nodes die (default ${DEFAULTS.minInSync}, at most --replicas)`)
    .option("--replica-timeout <ms>", `a node down this long leaves the in-sync sets; writes go on without it (default ${DEFAULTS.replicaTimeoutMs})`)
    .option("--port <port>", `coordinator (client) port (default ${DEFAULTS.coordinatorPort}; 0 picks a free one)`)
    .option("--node-port <port>", `first storage node's port, node i on it + i - 1 (default: free ports, kept in DATA/${NODE_PORTS_FILE} for the next start)`)
    .option("--data <dir>", `data directory: DATA/coordinator, DATA/node-1 ... (default ${DEFAULTS.dataDir})`)
    .option("--metrics-port <port>", `the dashboard and the coordinator's metrics (default ${DEFAULTS.metricsPort} with the default --port, else a free one; the nodes' metrics take free ports)`)
    .option("--log-level <level>", `log level of every process (default ${DEFAULTS.logLevel}); logs go to DATA/<name>.log`)
    .option("--password-file <file>", "require AUTH with the password in this file on every process (env RINGKV_PASSWORD, RINGKV_PASSWORD_FILE)")
    .option("--tls", "serve TLS everywhere, with a self-signed set made once in DATA/tls (needs the openssl command)")
    .addHelpText("after", `
Two clusters on one machine need only their own --port and --data; the storage nodes' ports never
collide unless --node-port says so.

Examples:
  ringkv start
  ringkv start --nodes 5 --replicas 3 --port 6390 --data /tmp/cluster
Then: redis-cli -p ${DEFAULTS.coordinatorPort} mset a 1 b 2 c 3   or   npm run cli`)
    .action(async (flags: RawOptions) => {
      const options = gatherOptions(flags, {});
      const nodes = integerOption(options, "nodes", DEFAULTS.localNodes, 1, 64);
      const replicas = integerOption(options, "replicas", Math.min(DEFAULTS.replicas, nodes), 1, nodes);
      const port = portOption(options, "port", DEFAULTS.coordinatorPort);
      const launch = launchCluster({
        dataDir: stringOption(options, "data", DEFAULTS.dataDir),
        nodes,
        replicas,
        minInSync: integerOption(options, "minInSync", Math.min(DEFAULTS.minInSync, replicas), 1, replicas),
        replicaTimeoutMs: integerOption(options, "replicaTimeout", DEFAULTS.replicaTimeoutMs, 1, 3_600_000),
        port,
        metricsPort: portOption(options, "metricsPort", dashboardPort(port)),
        nodePort: options.nodePort === undefined ? undefined : integerOption(options, "nodePort", 1, 1, 65536 - nodes),
        logLevel: logLevelOption(options),
        password: passwordOption(gatherOptions(flags, credentialsFromEnvironment()), flags)?.value,
        tls: options.tls === true,
        moveRepair: moveRepairSettings(options),
      }, printReport);
      stopClusterOnSignals(launch);
      const cluster = await launch.ready;
      printCluster(cluster);
      // Over TLS the launcher's own probe is enough; RINGKV MOVES and ringkv status show the moves.
      if (options.tls !== true) await showMoves(cluster.coordinatorPort, passwordOption(gatherOptions(flags, credentialsFromEnvironment()), flags)?.value);
    });
}

/** The default cluster's dashboard is at a port to remember; another cluster's (another --port) at a free one, printed. */
function dashboardPort(coordinatorPort: number): number {
  return coordinatorPort === DEFAULTS.coordinatorPort ? DEFAULTS.metricsPort : 0;
}

function printCluster(cluster: LaunchedCluster): void {
  const rows = cluster.processes.map((p) => [
    p.name, p.role, String(p.pid), `${DEFAULTS.host}:${p.port}`,
    p.metricsPort === undefined ? "-" : `http://${DEFAULTS.host}:${p.metricsPort}/metrics`, p.dataDir,
  ]);
  const header = ["name", "role", "pid", "address", "metrics", "data"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ");
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  const dashboard = cluster.processes[0]!.metricsPort;
  console.log(`
ringkv cluster is running. Connect with any Redis client:
${cluster.tlsCa === undefined
    ? `  redis-cli -p ${cluster.coordinatorPort}\n  npm run cli -- --port ${cluster.coordinatorPort}`
    : `  redis-cli --tls --cacert ${cluster.tlsCa} -p ${cluster.coordinatorPort}\n  npm run cli -- --port ${cluster.coordinatorPort} --tls-ca ${cluster.tlsCa}`}
Dashboard: ${dashboard === undefined ? "-" : `http://${DEFAULTS.host}:${dashboard}/`}   Status: npx ringkv status --port ${cluster.coordinatorPort}
Logs: ${cluster.processes[0]!.logFile.replace(/coordinator\.log$/, "<name>.log")}
A process that dies is restarted. Ctrl-C stops the cluster.`);
}

/** Nodes that joined (or a change the coordinator resumed) move partitions now: their progress, until done. */
async function showMoves(port: number, password: string | undefined): Promise<void> {
  try {
    const connection = await openCoordinatorSession({ host: DEFAULTS.host, port, password }, CLIENT_LIMITS.requestTimeoutMs);
    try {
      if (await followMoves(connection, CLIENT_LIMITS.requestTimeoutMs)) console.log("partitions moved: every storage node holds its share of the ring");
    } finally {
      connection.close();
    }
  } catch (error) {
    console.error(`could not follow the partitions' moves: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function stopClusterOnSignals(launch: ClusterLaunch): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log("stopping the cluster ...");
    launch.stop().then(() => {
      console.log("stopped.");
      process.exit(0);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** Deaths, restarts and give-ups, as they happen, with the time. */
function printReport(level: "info" | "warn" | "error", message: string): void {
  const line = `${new Date().toTimeString().slice(0, 8)} ${message}`;
  if (level === "info") console.log(line);
  else console.error(line);
}

/** The password may come from the environment, like the other processes' (the rest of `start`'s settings do not). */
function credentialsFromEnvironment(): NodeJS.ProcessEnv {
  const { RINGKV_PASSWORD, RINGKV_PASSWORD_FILE } = process.env;
  return { ...(RINGKV_PASSWORD === undefined ? {} : { RINGKV_PASSWORD }), ...(RINGKV_PASSWORD_FILE === undefined ? {} : { RINGKV_PASSWORD_FILE }) };
}
