// `ringkv start`: a local cluster of real processes — one coordinator and N storage nodes, each a
// child process on 127.0.0.1 with its own data directory under DATA and its pid in ringkv.pid
// there. The cluster secret is made once and kept in DATA/cluster.secret (mode 0600); children
// get it through their environment, never on a command line that `ps` would show.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ParentSignal } from "./parent-signal.js";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;

export interface LaunchSettings {
  dataDir: string;
  nodes: number;
  replicas: number;
  /** Coordinator port; 0 lets the system choose. */
  port: number;
  /** First storage node port (node i gets basePort + i - 1); 0 lets the system choose each. */
  basePort: number;
  logLevel: string;
}

export interface LaunchedProcess {
  name: string;
  role: "coordinator" | "storage node";
  child: ChildProcess;
  port: number;
  dataDir: string;
  logFile: string;
}

export interface LaunchedCluster {
  processes: LaunchedProcess[];
  coordinatorPort: number;
}

export interface ClusterLaunch {
  /** Resolves once the coordinator is up and every storage node has joined. */
  ready: Promise<LaunchedCluster>;
  /** Stops every process started so far with SIGTERM (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/** Starts the processes; stop() works at any moment, also while they are still starting. */
export function launchCluster(settings: LaunchSettings): ClusterLaunch {
  const children: ChildProcess[] = [];
  let stopping = false;
  const spawnChild = (args: string[], env: NodeJS.ProcessEnv) => {
    if (stopping) throw new Error("the cluster is stopping");
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
    children.push(child);
    return child;
  };
  const stop = () => {
    stopping = true;
    return stopAll(children);
  };
  const ready = startProcesses(settings, spawnChild).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { ready, stop };
}

type SpawnChild = (args: string[], env: NodeJS.ProcessEnv) => ChildProcess;

async function startProcesses(settings: LaunchSettings, spawnChild: SpawnChild): Promise<LaunchedCluster> {
  const root = resolve(settings.dataDir);
  mkdirSync(root, { recursive: true });
  const env = { ...process.env, RINGKV_SECRET: clusterSecret(root), RINGKV_LOG_LEVEL: settings.logLevel };
  const coordinator = await spawnReady(spawnChild, "coordinator", "coordinator", root, env, "ready", [
    "coordinator", "--port", String(settings.port), "--replicas", String(settings.replicas),
    // Every node of the local cluster joins before the first write fixes the membership.
    "--min-nodes", String(settings.nodes),
  ]);
  const nodes = await Promise.all(Array.from({ length: settings.nodes }, (_, i) => {
    const name = `node-${i + 1}`;
    const port = settings.basePort === 0 ? 0 : settings.basePort + i;
    return spawnReady(spawnChild, name, "storage node", root, env, "joined", [
      "node", "--join", `127.0.0.1:${coordinator.port}`, "--port", String(port), "--id", name,
    ]);
  }));
  return { processes: [coordinator, ...nodes], coordinatorPort: coordinator.port };
}

function clusterSecret(root: string): string {
  const path = join(root, "cluster.secret");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const secret = randomBytes(32).toString("hex");
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Spawns one child, logs to DATA/NAME.log, and resolves once it signals `readyEvent`. */
function spawnReady(
  spawnChild: SpawnChild, name: string, role: LaunchedProcess["role"], root: string, env: NodeJS.ProcessEnv, readyEvent: ParentSignal["event"], args: string[],
): Promise<LaunchedProcess> {
  const dataDir = join(root, name);
  const logFile = join(root, `${name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawnChild([...args, "--data", dataDir], env);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return new Promise((resolvePromise, reject) => {
    let port: number | undefined;
    const timer = setTimeout(() => reject(new Error(`${name} was not ready after ${READY_TIMEOUT_MS} ms; see ${logFile}`)), READY_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) while starting; see ${logFile}`));
    };
    child.once("exit", onExit);
    child.on("message", (message: ParentSignal) => {
      if (message.event === "ready") port = message.port;
      if (message.event === readyEvent && port !== undefined) {
        clearTimeout(timer);
        child.off("exit", onExit);
        // The launcher needs no more signals; the channel must not keep either process alive.
        child.disconnect();
        resolvePromise({ name, role, child, port, dataDir, logFile });
      }
    });
  });
}

const STOP_GRACE_MS = 10_000;

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(killer);
      resolvePromise();
    });
    child.kill("SIGTERM");
  })));
}
