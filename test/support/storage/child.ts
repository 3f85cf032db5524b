// Child processes for the storage tests: start a compiled helper script, read its stdout by
// lines, and end it by its pid only.

import { spawn, type ChildProcess } from "node:child_process";

export interface Child {
  process: ChildProcess;
  /** Complete lines read from stdout so far. */
  lines: string[];
  /** Resolves when a stdout line satisfies the predicate (rejects if the child exits first). */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code or signal, once stdout is fully read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function startChild(script: URL, args: string[], options: { wrapper?: string[] } = {}): Child {
  const command = [...(options.wrapper ?? []), process.execPath, script.pathname, ...args];
  const [file, ...rest] = command as [string, ...string[]];
  const child = spawn(file, rest, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  let stderrText = "";
  let closed = false;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderrText += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // "close", not "exit": by then every byte of stdout has been read.
    child.on("close", (code, signal) => {
      closed = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    }),
  );
  const waitForLine = (predicate: (line: string) => boolean, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no matching line from ${script.pathname} within ${timeoutMs} ms; stderr: ${stderrText}`)), timeoutMs);
      const check = () => {
        const found = lines.find(predicate);
        if (found !== undefined) finish(undefined, found);
        else if (closed) {
          finish(new Error(`${script.pathname} exited (${child.exitCode ?? child.signalCode}) first; stderr: ${stderrText}`));
        }
      };
      const finish = (error?: Error, line?: string) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve(line as string);
      };
      waiters.add(check);
      check();
    });
  return { process: child, lines, waitForLine, exited, stderr: () => stderrText };
}

/** Kills the child by its pid and waits until it is gone. */
export async function killChild(child: Child, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
  await child.exited;
}
