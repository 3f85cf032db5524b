// The end of a child process's log, made readable for a terminal: when a process of a local
// cluster fails, the launcher prints why, not only where the log is. Logs are pino JSON lines
// ({"level":60,"msg":"...","err":{...}}); other lines (the `ringkv:` error a process prints on
// stderr before exiting) are kept as they are.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Only this much of the end of the log is read, whatever its size. */
const TAIL_BYTES_MAX = 64 * 1024;

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
/** Fields every line carries; they say nothing about what went wrong. */
const ROUTINE_FIELDS = new Set(["level", "time", "pid", "hostname", "role", "msg"]);

/** The last `count` lines of the log at `path`, readable, leaving out lines of role `skipRole`; [] when there is no log. */
export function logTail(path: string, count: number, skipRole?: string): string[] {
  let end: { text: string; cut: boolean };
  try {
    end = readEnd(path, TAIL_BYTES_MAX);
  } catch {
    return [];
  }
  const lines = end.text.split("\n");
  // A read that starts mid-file starts mid-line: drop that partial first line.
  if (end.cut) lines.shift();
  return lines
    .filter((line) => line.trim().length > 0 && (skipRole === undefined || !line.includes(`"role":${JSON.stringify(skipRole)}`)))
    .slice(-count)
    .map(readableLine);
}

/** The last `bytesMax` bytes of a file; `cut` when the file is longer. */
function readEnd(path: string, bytesMax: number): { text: string; cut: boolean } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytesMax);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return { text: buffer.toString("utf8"), cut: size > bytesMax };
  } finally {
    closeSync(fd);
  }
}

/** "fatal: the coordinator refused this node (reason: ...)" from a pino line; other lines unchanged. */
export function readableLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return line;
  const fields = entry as Record<string, unknown>;
  const level = LEVEL_NAMES[Number(fields.level)] ?? "log";
  const details = Object.entries(fields)
    .filter(([name]) => !ROUTINE_FIELDS.has(name))
    .map(([name, value]) => `${name}: ${describe(value)}`);
  const message = typeof fields.msg === "string" ? fields.msg : "";
  return `${level}: ${message}${details.length > 0 ? ` (${details.join(", ")})` : ""}`;
}

function describe(value: unknown): string {
  // pino serializes errors as {type, message, stack}: the message is what a reader needs.
  if (value !== null && typeof value === "object" && "message" in value) return String((value as { message: unknown }).message);
  return typeof value === "string" ? value : JSON.stringify(value);
}
