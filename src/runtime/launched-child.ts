// One process of a local cluster (`ringkv start`): spawned from bin/ringkv.js with its output
// appended to DATA/NAME.log, started once it tells the launcher over the IPC channel that it is
// ready (src/runtime/parent-signal.ts). When it fails to start, the error carries the end of its
// log, so the terminal shows why and not only where to look.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { logTail } from "./log-tail.js";
import type { ParentSignal } from "./parent-signal.js";
import { PRIVATE_FILE_MODE } from "../storage/data-dir.js";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;
/** Lines of a failed child's log shown on the terminal. */
export const FAILURE_LOG_LINES = 12;

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

export class LaunchedChild {
  readonly name: string;
  readonly role: ChildSpec["role"];
  readonly dataDir: string;
  readonly logFile: string;
  /** The port it listens on, once started. */
  port = 0;
  process: ChildProcess | undefined;
  /** Resolves when the current process has exited and its output is all in the log. */
  #gone: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });

  constructor(private readonly spec: ChildSpec) {
    this.name = spec.name;
    this.role = spec.role;
    this.dataDir = join(spec.root, spec.name);
    this.logFile = join(spec.root, `${spec.name}.log`);
  }

  /** Spawns it on `port` (0: the system picks) and resolves once it is ready; rejects, with the end of its log, if it exits or is not ready in time. */
  start(port: number, timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, [BIN, ...this.spec.args(port), "--data", this.dataDir], {
      env: this.spec.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.process = child;
    const log = createWriteStream(this.logFile, { flags: "a", mode: PRIVATE_FILE_MODE });
    // Two sources into one log: neither may end it, or the other's last lines (often the reason
    // a process died) would be lost.
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    // Gone: exited, and every byte of its output in the log. (Not the "close" event: Node never
    // emits it for a child whose IPC channel was disconnected.)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })));
    const drained = Promise.all([child.stdout!, child.stderr!].map((stream) => new Promise((resolve) => stream.once("close", resolve))));
    this.#gone = Promise.all([exited, drained]).then(([status]) => new Promise((resolve) => log.end(() => resolve(status))));
    const gone = this.#gone;
    return new Promise<void>((resolve, reject) => {
      let listening: number | undefined;
      const timer = setTimeout(() => reject(new Error(`${this.name} was not ready after ${timeoutMs} ms${this.lastWords()}`)), timeoutMs);
      void gone.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) while starting${this.lastWords()}`));
      });
      child.on("message", (message: ParentSignal) => {
        if (message.event === "ready") listening = message.port;
        if (message.event === this.spec.readyEvent && listening !== undefined) {
          clearTimeout(timer);
          this.port = listening;
          // The launcher needs no more signals; the channel must not keep either process alive.
          child.disconnect();
          resolve();
        }
      });
    });
  }

  /** Whether its current process is running. */
  running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Stops the current process with SIGTERM, SIGKILL after `graceMs`; resolves once it is gone. */
  async stop(graceMs: number): Promise<void> {
    const child = this.process;
    if (child !== undefined && this.running()) {
      const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.kill("SIGTERM");
      await this.#gone;
      clearTimeout(killer);
    }
    await this.#gone;
  }

  /** ": the end of its log (FILE):" and those lines, indented; or where the log is when it is empty. */
  lastWords(): string {
    const lines = logTail(this.logFile, FAILURE_LOG_LINES);
    if (lines.length === 0) return `; its log ${this.logFile} is empty`;
    return `; the end of its log (${this.logFile}):\n${lines.map((line) => `    ${line}`).join("\n")}`;
  }
}
