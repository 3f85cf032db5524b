// Log lines a person can read at a terminal: pino's JSON lines rewritten as
//   14:02:07.120 WARN  coordinator  storage node down: connection closed  nodeId=node-2
// coloured by level (unless NO_COLOR is set or the output is not a terminal). Files and pipes
// keep the JSON lines, with level names instead of pino's numbers.

export type LogFormat = "json" | "pretty";

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
const BOLD = "\x1b[1m";
const CYAN = "\x1b[36m";
const LEVEL_COLORS: Record<string, string> = {
  trace: "\x1b[90m", debug: "\x1b[90m", info: "\x1b[32m", warn: "\x1b[33m", error: "\x1b[31m", fatal: "\x1b[41m\x1b[97m",
};

/** Fields every line has, shown in fixed places rather than as key=value. */
const PLACED = new Set(["level", "time", "msg", "pid", "hostname", "role", "nodeId", "err", "action"]);

/** One JSON log line as a readable line (with a trailing newline); a line that is not JSON passes unchanged. */
export function prettyLine(jsonLine: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith("\n") ? jsonLine : `${jsonLine}\n`;
  }
  const paint = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  const level = typeof entry.level === "number" ? LEVEL_NAMES[entry.level] ?? String(entry.level) : String(entry.level ?? "info");
  const who = [entry.role, entry.nodeId].filter((part) => part !== undefined).join("/");
  const parts = [
    paint(DIM, clockTime(entry.time)),
    paint(LEVEL_COLORS[level] ?? "", level.toUpperCase().padEnd(5)),
    paint(CYAN, who),
    level === "warn" || level === "error" || level === "fatal" ? paint(BOLD, String(entry.msg ?? "")) : String(entry.msg ?? ""),
  ];
  const fields = Object.entries(entry)
    .filter(([name]) => !PLACED.has(name))
    .map(([name, value]) => `${name}=${fieldText(value)}`);
  if (fields.length > 0) parts.push(paint(DIM, fields.join(" ")));
  let line = parts.filter((part) => part !== "").join("  ");
  if (typeof entry.action === "string") line += `\n    ${paint(LEVEL_COLORS.warn!, "→")} ${entry.action}`;
  const error = entry.err as { message?: unknown; stack?: unknown } | undefined;
  if (error !== undefined) {
    const stack = typeof error.stack === "string" ? error.stack : String(error.message ?? "");
    line += `\n${stack.split("\n").map((stackLine) => `    ${stackLine}`).join("\n")}`;
  }
  return `${line}\n`;
}

function clockTime(time: unknown): string {
  const date = new Date(typeof time === "string" || typeof time === "number" ? time : Date.now());
  if (Number.isNaN(date.getTime())) return String(time);
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

function fieldText(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** Colour at a terminal unless NO_COLOR is set; FORCE_COLOR turns it on anywhere. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true;
}
