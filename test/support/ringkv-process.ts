// Spawns real `ringkv` processes for end-to-end tests and waits until they serve.
// Ports are chosen by the OS (--port 0); the process logs the port it got in its "ready" line.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const BIN = new URL("../../../bin/ringkv.js", import.meta.url).pathname;

export interface RingkvProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** The HTTP port of --metrics-port, when the process was given one. */
  readonly metricsPort: number | undefined;
  readonly logs: string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `ringkv-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `ringkv <args>` and resolves once it logs `readyMessage` with its port. */
export function startRingkv(args: string[], readyMessage: string, timeoutMs = 15_000, env: NodeJS.ProcessEnv = process.env): Promise<RingkvProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ringkv ${args.join(" ")} not ready after ${timeoutMs} ms; logs:\n${logs.join("\n")}`));
    }, timeoutMs);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ringkv ${args.join(" ")} exited (${code}) before ready; logs:\n${logs.join("\n")}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logs.push(line);
      const entry = parseJson(line);
      if (entry?.msg === readyMessage && typeof entry.port === "number") {
        clearTimeout(timer);
        resolve({ child, port: entry.port, metricsPort: typeof entry.metricsPort === "number" ? entry.metricsPort : undefined, logs, exited });
      }
    });
  });
}

/** A standalone storage node on a fresh port over `dataDir`. */
export function startNode(dataDir: string, extraArgs: string[] = []): Promise<RingkvProcess> {
  return startRingkv(["node", "--port", "0", "--data", dataDir, "--log-level", "info", ...extraArgs], "storage node ready");
}

export async function stopGracefully(proc: RingkvProcess): Promise<number | string> {
  proc.child.kill("SIGTERM");
  return proc.exited;
}

export async function killHard(proc: RingkvProcess): Promise<void> {
  proc.child.kill("SIGKILL");
  await proc.exited;
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `ringkv <args>` to completion; resolves with its exit code and output. */
export function runRingkv(
  args: string[], input?: string, timeoutMs = 15_000, env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ringkv ${args.join(" ")} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}
