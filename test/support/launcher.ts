// `ringkv start` as a user runs it, for end-to-end tests: a real launcher process whose terminal
// output the test reads — its table of processes, its messages — and which it stops with a signal.

import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pidAlive } from "./cluster.js";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;
const READY_TIMEOUT_MS = 45_000;

export interface TableRow {
  name: string;
  role: string;
  pid: number;
  port: number;
  /** Its metrics URL ("-" when it has none). */
  metrics: string;
  data: string;
}

export interface Launcher {
  readonly process: ChildProcess;
  /** Every line it printed, stdout and stderr, in order. */
  readonly output: string[];
  /** Its table, once it says the cluster runs. */
  readonly rows: TableRow[];
  /** Resolves with its exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** The coordinator's port, from the table. */
  readonly port: number;
  /** Resolves once a printed line matches. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM (or `signal`), then its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Rows of the launcher's table: "name  role  pid  127.0.0.1:port  metrics-url  data" ("storage node" has a space). */
export function parseRow(line: string): TableRow | undefined {
  const match = /^(\S+)\s+(coordinator|storage node)\s+(\d+)\s+127\.0\.0\.1:(\d+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
  if (match === null) return undefined;
  return { name: match[1]!, role: match[2]!, pid: Number(match[3]), port: Number(match[4]), metrics: match[5]!, data: match[6]! };
}

/** Runs `ringkv start <args>` and resolves once it says the cluster runs; rejects, with its output, if it exits first. */
export async function startLauncher(args: string[]): Promise<Launcher> {
  const launcher = spawnLauncher(args);
  await launcher.waitForLine(/Ctrl-C stops the cluster/, READY_TIMEOUT_MS);
  return launcher;
}

/** Runs `ringkv start <args>` without waiting for anything. */
export function spawnLauncher(args: string[]): Launcher {
  const child = spawn(process.execPath, [BIN, "start", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const output: string[] = [];
  const rows: TableRow[] = [];
  const waiters = new Set<() => void>();
  const onLine = (line: string) => {
    output.push(line);
    const row = parseRow(line);
    if (row !== undefined) rows.push(row);
    for (const wake of waiters) wake();
  };
  createInterface({ input: child.stdout }).on("line", onLine);
  createInterface({ input: child.stderr }).on("line", onLine);
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const wake of waiters) wake();
  });
  return {
    process: child,
    output,
    rows,
    exited,
    get port() {
      return rows.find((row) => row.role === "coordinator")!.port;
    },
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < output.length; seen++) {
            if (pattern.test(output[seen]!)) return finish(undefined, output[seen]);
          }
          if (ended) finish(new Error(`the launcher exited before printing ${pattern}:\n${output.join("\n")}`));
        };
        const timer = setTimeout(() => finish(new Error(`no line ${pattern} from the launcher within ${timeoutMs} ms:\n${output.join("\n")}`)), timeoutMs);
        const finish = (error?: Error, line?: string) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(line!);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** Pids of the running processes whose command line names `path` (a test's own temporary directory). */
export function processesNaming(path: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(join("/proc", entry, "cmdline"), "utf8");
    } catch {
      continue; // gone meanwhile
    }
    if (commandLine.split("\0").some((arg) => arg.includes(path))) pids.push(Number(entry));
  }
  return pids;
}

/** Kills whatever a test left running of a launcher and its children (by their own pids only). */
export async function killLeftovers(launcher: Launcher | undefined, pids: Iterable<number>): Promise<void> {
  if (launcher !== undefined) await launcher.stop("SIGKILL");
  for (const pid of pids) if (pidAlive(pid)) process.kill(pid, "SIGKILL");
}
