// Structured logs (pino). One logger per process, with the process's role and id bound in, so
// interleaved logs of a local cluster stay readable. JSON lines (level names, ISO times) when the
// output is a file or a pipe or when asked (--log-format json); readable coloured lines at a
// terminal (--log-format pretty; src/observability/log-format.ts). Warnings and errors are also
// kept for the dashboard's recent problems.

import { pino, type Logger } from "pino";
import { prettyLine, wantsColor, type LogFormat } from "../observability/log-format.js";

export type { Logger };

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

/** pino's numeric level of warn: from here up a line is a problem worth showing. */
const WARN_LEVEL = 40;

export interface LogOutput {
  /** Default: pretty at a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Told of every line at warn level or above. */
  onProblem?: (level: string, message: string) => void;
}

export function createLogger(level: LogLevel, bindings: Record<string, string | number>, output: LogOutput = {}): Logger {
  const stdout = process.stdout;
  const format = output.format ?? (stdout.isTTY ? "pretty" : "json");
  const color = wantsColor(stdout);
  const onProblem = output.onProblem;
  const destination = format === "pretty"
    ? { write: (line: string) => stdout.write(prettyLine(line, color)) }
    : pino.destination({ fd: 1, sync: true });
  return pino({
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: onProblem === undefined ? {} : {
      logMethod(args, method, levelNumber) {
        if (levelNumber >= WARN_LEVEL) onProblem(pino.levels.labels[levelNumber] ?? "warn", problemText(args));
        method.apply(this, args);
      },
    },
  }, destination);
}

/** The message of a pino call: (fields, message) or (message); an error's message is added. */
function problemText(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === "string") return first;
  const fields = (first ?? {}) as Record<string, unknown>;
  const message = typeof second === "string" ? second : "";
  const error = fields.err instanceof Error ? fields.err.message : undefined;
  const detail = Object.entries(fields)
    .filter(([name]) => name !== "err")
    .map(([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return [message, error, detail].filter((part) => part !== undefined && part !== "").join(" — ");
}
