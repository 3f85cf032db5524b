// `ringkv start`: a local cluster of real processes — one coordinator and N storage nodes, each a
// child process on 127.0.0.1 with its own data directory under DATA and its pid in ringkv.pid
// there. The cluster secret is made once and kept in DATA/cluster.secret (mode 0600); children
// get it through their environment, never on a command line that `ps` would show.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

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
  /** Stops every process with SIGTERM (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export async function launchCluster(settings: LaunchSettings): Promise<LaunchedCluster> {
  const root = resolve(settings.dataDir);
  mkdirSync(root, { recursive: true });
  const env = { ...process.env, RINGKV_SECRET: clusterSecret(root), RINGKV_LOG_LEVEL: settings.logLevel };
  const launched: LaunchedProcess[] = [];
  const stop = () => stopAll(launched);
  try {
    const coordinator = await spawnReady("coordinator", "coordinator", root, env, "coordinator ready", [
      "coordinator", "--port", String(settings.port), "--replicas", String(settings.replicas),
      // Every node of the local cluster joins before the first write fixes the membership.
      "--min-nodes", String(settings.nodes),
    ]);
    launched.push(coordinator);
    const nodes = Array.from({ length: settings.nodes }, (_, i) => {
      const name = `node-${i + 1}`;
      const port = settings.basePort === 0 ? 0 : settings.basePort + i;
      return spawnReady(name, "storage node", root, env, "joined the cluster", [
        "node", "--join", `127.0.0.1:${coordinator.port}`, "--port", String(port), "--id", name,
      ]);
    });
    for (const node of await Promise.all(nodes)) launched.push(node);
    return { processes: launched, coordinatorPort: coordinator.port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function clusterSecret(root: string): string {
  const path = join(root, "cluster.secret");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const secret = randomBytes(32).toString("hex");
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Spawns one child, logs to DATA/NAME.log, and resolves once it logs `readyMessage`. */
function spawnReady(
  name: string, role: LaunchedProcess["role"], root: string, env: NodeJS.ProcessEnv, readyMessage: string, args: string[],
): Promise<LaunchedProcess> {
  const dataDir = join(root, name);
  const logFile = join(root, `${name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, [BIN, ...args, "--data", dataDir], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr!.pipe(log);
  return new Promise((resolvePromise, reject) => {
    let port: number | undefined;
    const timer = setTimeout(() => reject(new Error(`${name} was not ready after ${READY_TIMEOUT_MS} ms; see ${logFile}`)), READY_TIMEOUT_MS);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) while starting; see ${logFile}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      log.write(`${line}\n`);
      const entry = parseLogLine(line);
      if (typeof entry?.port === "number") port = entry.port;
      if (entry?.msg === readyMessage && port !== undefined) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolvePromise({ name, role, child, port, dataDir, logFile });
      }
    });
  });
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const STOP_GRACE_MS = 10_000;

async function stopAll(processes: LaunchedProcess[]): Promise<void> {
  await Promise.all(processes.map(({ child }) => new Promise<void>((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(killer);
      resolvePromise();
    });
    child.kill("SIGTERM");
  })));
}
