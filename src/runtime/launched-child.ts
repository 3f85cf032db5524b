// One process of a local cluster (`ringkv start`): spawned from bin/ringkv.js with its output
// appended to DATA/NAME.log, started once it tells the launcher over the IPC channel that it is
// ready (src/runtime/parent-signal.ts). When it fails to start, the error carries the end of its
// log, so the terminal shows why and not only where to look. It may be started again after it
// died (src/runtime/supervisor.ts): each start is a new process on the same port and log.

import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { logTail } from "./log-tail.js";
import type { ParentSignal } from "./parent-signal.js";
import type { Death } from "./restart-policy.js";
import { PRIVATE_FILE_MODE } from "../storage/data-dir.js";
import { stderrAsJsonLines } from "../observability/stderr-lines.js";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;
/** Lines of a failed child's log shown on the terminal. */
export const FAILURE_LOG_LINES = 12;
/** The role of the lines the launcher adds to a child's log. */
const LAUNCHER_ROLE = "launcher";

export interface ChildSpec {
  name: string;
  role: "coordinator" | "storage node";
  /** The cluster's data directory: the child's is DATA/NAME, its log DATA/NAME.log. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** The child's arguments for a given port (--data is added). */
  args(port: number): string[];
  /** The signal after which it counts as started. */
  readyEvent: ParentSignal["event"];
}

/** How one process ended: its death, its pid, and whether the launcher had asked it to stop. */
export interface ProcessEnd extends Death {
  pid: number | undefined;
  stopRequested: boolean;
}

interface RunningProcess {
  child: ChildProcess;
  stopRequested: boolean;
  /** Resolves once it has exited and every byte of its output is in the log. */
  ended: Promise<ProcessEnd>;
}

export class LaunchedChild {
  readonly name: string;
  readonly role: ChildSpec["role"];
  readonly dataDir: string;
  readonly logFile: string;
  /** The port it listens on, once started (a restart reuses it). */
  port = 0;
  /** Its --metrics-port (the coordinator's also serves the dashboard), once started, if it has one. */
  metricsPort: number | undefined;
  #current: RunningProcess | undefined;

  constructor(private readonly spec: ChildSpec) {
    this.name = spec.name;
    this.role = spec.role;
    this.dataDir = join(spec.root, spec.name);
    this.logFile = join(spec.root, `${spec.name}.log`);
  }

  /** The current (or last) process's pid. */
  get pid(): number | undefined {
    return this.#current?.child.pid;
  }

  /** Spawns it on `port` (0: the system picks) and resolves once it is ready; rejects, with the end of its log, if it exits or is not ready in time. */
  start(port: number, timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, [BIN, ...this.spec.args(port), "--data", this.dataDir], {
      env: this.spec.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const startedAt = Date.now();
    const log = createWriteStream(this.logFile, { flags: "a", mode: PRIVATE_FILE_MODE });
    // Two sources into one log: neither may end it, or the other's last lines (often the reason
    // a process died) would be lost.
    child.stdout!.pipe(log, { end: false });
    // The log holds JSON lines only: what lands on stderr (Node's own warnings, a crash) is wrapped.
    const stderrLines = child.stderr!.pipe(stderrAsJsonLines(this.name));
    stderrLines.pipe(log, { end: false });
    // Ended: exited, and all its output in the log. (Not the "close" event: Node never emits it
    // for a child whose IPC channel was disconnected.)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ranMs: number }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal, ranMs: Date.now() - startedAt })));
    const drained = Promise.all([
      new Promise((resolve) => child.stdout!.once("close", resolve)),
      new Promise((resolve) => stderrLines.once("end", resolve)),
    ]);
    const current: RunningProcess = {
      child,
      stopRequested: false,
      ended: Promise.all([exited, drained]).then(([death]) => new Promise<ProcessEnd>((resolve) =>
        log.end(() => resolve({ ...death, pid: child.pid, stopRequested: current.stopRequested })))),
    };
    this.#current = current;
    return new Promise<void>((resolve, reject) => {
      let listening: number | undefined;
      let metricsPort: number | undefined;
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new Error(`${this.name} was not ready after ${timeoutMs} ms${this.lastWords()}`));
      }, timeoutMs);
      void current.ended.then(({ code, signal }) => {
        clearTimeout(timer);
        if (!settled) reject(new Error(`${this.name} exited (${code ?? signal}) while starting${this.lastWords()}`));
        settled = true;
      });
      child.on("message", (message: ParentSignal) => {
        if (message.event === "ready") {
          listening = message.port;
          metricsPort = message.metricsPort;
        }
        if (message.event === this.spec.readyEvent && listening !== undefined && !settled) {
          settled = true;
          clearTimeout(timer);
          this.port = listening;
          this.metricsPort = metricsPort;
          // The launcher needs no more signals; the channel must not keep either process alive.
          child.disconnect();
          resolve();
        }
      });
    });
  }

  /** How its current process ends (already ended: at once). */
  ended(): Promise<ProcessEnd> {
    return this.#current?.ended ?? Promise.resolve({ code: null, signal: null, ranMs: 0, pid: undefined, stopRequested: true });
  }

  /** Whether its current process is running. */
  running(): boolean {
    const child = this.#current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Stops the current process with SIGTERM, SIGKILL after `graceMs`; resolves once it is gone. */
  async stop(graceMs: number): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    current.stopRequested = true;
    if (this.running()) {
      const killer = setTimeout(() => current.child.kill("SIGKILL"), graceMs);
      current.child.kill("SIGTERM");
      await current.ended;
      clearTimeout(killer);
    }
    await current.ended;
  }

  /** Appends a line from the launcher to its log (as a log line of role "launcher"), between two of its processes. */
  note(level: "info" | "warn" | "error", message: string): void {
    const levels = { info: 30, warn: 40, error: 50 };
    const line = { level: levels[level], time: new Date().toISOString(), role: LAUNCHER_ROLE, msg: message };
    appendFileSync(this.logFile, `${JSON.stringify(line)}\n`, { mode: PRIVATE_FILE_MODE });
  }

  /** "; the end of its log (FILE):" and its own last lines (not the launcher's notes), indented; or where the log is when it is empty. */
  lastWords(): string {
    const lines = logTail(this.logFile, FAILURE_LOG_LINES, LAUNCHER_ROLE);
    if (lines.length === 0) return `; its log ${this.logFile} is empty`;
    return `; the end of its log (${this.logFile}):\n${lines.map((line) => `    ${line}`).join("\n")}`;
  }
}
