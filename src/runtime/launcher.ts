// `ringkv start`: a local cluster of real processes — one coordinator and N storage nodes, each a
// child process on 127.0.0.1 with its own data directory under DATA and its pid in ringkv.pid
// there. The cluster secret is made once and kept in DATA/cluster.secret (mode 0600); children
// get it through their environment, never on a command line that `ps` would show. The cluster
// counts as started once the coordinator itself says, over RESP, that it serves with every node;
// from then on a process that dies is restarted (src/runtime/supervisor.ts).
// With --tls every process serves TLS with a self-signed set kept in DATA/tls (tls-files.ts), and
// nodes link to the coordinator over it; a password, if given, reaches the children the same way
// as the secret.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULTS } from "../shared/defaults.js";
import { LAUNCHER_LIMITS } from "../shared/limits.js";
import { clusterMembers, waitUntilServing } from "./cluster-probe.js";
import { LaunchedChild } from "./launched-child.js";
import { chooseNodePorts, rememberNodePorts } from "./node-ports.js";
import { Supervisor, type Report } from "./supervisor.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../storage/data-dir.js";
import { clientTlsOptions, readTlsFiles, selfSignedTls } from "./tls-files.js";

const { readyTimeoutMs, stopGraceMs } = LAUNCHER_LIMITS;

export interface LaunchSettings {
  dataDir: string;
  nodes: number;
  replicas: number;
  minInSync: number;
  replicaTimeoutMs: number;
  /** Coordinator port; 0 lets the system choose. */
  port: number;
  /** First storage node port (node i gets nodePort + i - 1); undefined: free ports, remembered in the data directory. */
  nodePort: number | undefined;
  /** The coordinator's dashboard and metrics port (0: the system chooses); the storage nodes' metrics take free ports. */
  metricsPort: number;
  logLevel: string;
  /** Client AUTH on every process. */
  password?: string;
  /** TLS everywhere, with DATA/tls's self-signed set. */
  tls: boolean;
  /** The coordinator's pace of repair and partition moves; its defaults when absent. */
  moveRepair?: MoveRepairSettings;
}

/** How fast the coordinator repairs and moves partitions (its flags of the same names). */
export interface MoveRepairSettings {
  repairIntervalMs: number;
  repairBytesPerSecond: number;
  moveBytesPerSecond: number;
}

export interface LaunchedCluster {
  /** The coordinator first, then node-1 ... node-N. */
  processes: LaunchedChild[];
  coordinatorPort: number;
  /** With TLS: the CA a client must trust. */
  tlsCa?: string;
}

export interface ClusterLaunch {
  /** Resolves once the coordinator serves with every storage node joined and up; from then on, a process that dies is restarted. */
  ready: Promise<LaunchedCluster>;
  /** Restarts nothing more and stops every process with SIGTERM (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/** Starts the processes; stop() works at any moment, also while they are still starting. `report` hears of deaths and restarts. */
export function launchCluster(settings: LaunchSettings, report: Report): ClusterLaunch {
  const root = resolve(settings.dataDir);
  const children: LaunchedChild[] = [];
  const supervisor = new Supervisor(report);
  let stopping = false;
  const stop = async () => {
    stopping = true;
    supervisor.stop();
    await Promise.all(children.map((child) => child.stop(stopGraceMs)));
  };
  const add = (child: LaunchedChild) => {
    if (stopping) throw new Error("the cluster is stopping");
    children.push(child);
    return child;
  };
  const ready = startProcesses(settings, root, add, () => stopping).then((cluster) => {
    for (const child of cluster.processes) supervisor.watch(child);
    return cluster;
  }, async (error: unknown) => {
    await stop();
    throw error;
  });
  return { ready, stop };
}

async function startProcesses(
  settings: LaunchSettings, root: string, add: (child: LaunchedChild) => LaunchedChild, stopping: () => boolean,
): Promise<LaunchedCluster> {
  mkdirSync(root, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tls = settings.tls ? selfSignedTls(join(root, "tls")) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env, RINGKV_SECRET: clusterSecret(root), RINGKV_LOG_LEVEL: settings.logLevel,
    ...(settings.password === undefined ? {} : { RINGKV_PASSWORD: settings.password }),
    ...(tls === undefined ? {} : { RINGKV_TLS_CERT: tls.cert, RINGKV_TLS_KEY: tls.key, RINGKV_TLS_CA: tls.ca }),
  };
  const coordinator = add(new LaunchedChild({
    name: "coordinator", role: "coordinator", root, env, readyEvent: "ready",
    args: (port) => ["coordinator", "--port", String(port), "--replicas", String(settings.replicas),
      "--min-in-sync", String(settings.minInSync), "--replica-timeout", String(settings.replicaTimeoutMs),
      // Every node of the local cluster joins before the first write fixes the membership.
      "--min-nodes", String(settings.nodes), "--metrics-port", String(settings.metricsPort),
      ...(settings.moveRepair === undefined ? [] : moveRepairFlags(settings.moveRepair))],
  }));
  await coordinator.start(settings.port, readyTimeoutMs);

  const access = { password: settings.password, tls: tls && clientTlsOptions(readTlsFiles(tls), DEFAULTS.host) };
  const names = nodeNames(root, await clusterMembers(coordinator.port, readyTimeoutMs, access), settings.nodes);
  const ports = await chooseNodePorts(root, names, settings.nodePort, DEFAULTS.host);
  const nodes = names.map((name) => add(new LaunchedChild({
    name, role: "storage node", root, env, readyEvent: "joined",
    args: (port) => ["node", "--join", `${DEFAULTS.host}:${coordinator.port}`, "--port", String(port), "--id", name, "--metrics-port", "0"],
  })));
  await Promise.all(nodes.map((node) => node.start(ports.get(node.name)!, readyTimeoutMs)));
  rememberNodePorts(root, new Map(nodes.map((node) => [node.name, node.port])));

  await waitUntilServing(coordinator.port, names, readyTimeoutMs, stopping, access);
  return { processes: [coordinator, ...nodes], coordinatorPort: coordinator.port, tlsCa: tls?.ca };
}

/**
 * The storage nodes to start: every member the coordinator has (a cluster is never started without
 * one: it would run degraded), then new nodes up to `count`, which join and have partitions moved
 * to them. A new node's name is the next node-K free; a directory of that name left by a node
 * removed from the cluster is set aside, so that the node starts empty and joins as new.
 */
export function nodeNames(root: string, members: readonly string[], count: number): string[] {
  if (members.length > count) {
    throw new Error(`the cluster in ${root} has ${members.length} storage nodes (${members.join(", ")}), more than --nodes ${count}; `
      + "ringkv start never leaves a member out (the cluster would run degraded). To shrink it, start it with "
      + `--nodes ${members.length}, remove nodes one by one with \`ringkv remove NODE\` (their data moves to the others first, `
      + `then they stop), and start it with --nodes ${count} from then on`);
  }
  const names = [...members];
  for (let k = 1; names.length < count; k += 1) {
    const name = `node-${k}`;
    if (names.includes(name)) continue;
    const leftover = join(root, name);
    if (existsSync(leftover)) renameSync(leftover, `${leftover}.removed-${Date.now()}`);
    names.push(name);
  }
  return names;
}

function clusterSecret(root: string): string {
  const path = join(root, "cluster.secret");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const secret = randomBytes(32).toString("hex");
  writeFileSync(path, `${secret}\n`, { mode: PRIVATE_FILE_MODE });
  return secret;
}

function moveRepairFlags(settings: MoveRepairSettings): string[] {
  return [
    "--repair-interval", String(settings.repairIntervalMs),
    "--repair-bytes-per-second", String(settings.repairBytesPerSecond),
    "--move-bytes-per-second", String(settings.moveBytesPerSecond),
  ];
}
