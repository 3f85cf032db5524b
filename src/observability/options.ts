// The observability flags every server process takes, and the logger and Observability they make:
//   --metrics-port <port>   HTTP port for /metrics (and the coordinator's dashboard); off by default
//   --metrics-host <addr>   its address (default 127.0.0.1)
//   --log-format json|pretty   default: pretty at a terminal, JSON otherwise
//   --slowlog-log-slower-than <µs>, --slowlog-max-len <n>, --latency-monitor-threshold <ms> (Redis's names)

import type { Command } from "commander";
import { integerOption, portOption, SettingsError, stringOption, logLevelOption, type RawOptions } from "../cli/settings.js";
import { createLogger, LOG_FORMATS, type Logger } from "../runtime/logger.js";
import { DIAGNOSTIC_SETTINGS, DIAGNOSTICS_DEFAULTS, type DiagnosticsSettings } from "./diagnostics.js";
import type { LogFormat } from "./log-format.js";
import { Observability, type ProcessRole } from "./observability.js";
import { RecentProblems } from "./recent-problems.js";

export function addObservabilityOptions(command: Command, dashboard: boolean): Command {
  const what = dashboard ? "the dashboard and Prometheus metrics" : "Prometheus metrics";
  return command
    .option("--metrics-port <port>", `HTTP port for ${what} (default: none; 0 picks a free port; env RINGKV_METRICS_PORT)`)
    .option("--metrics-host <address>", "address of the metrics port (default 127.0.0.1)")
    .option("--log-format <format>", "json or pretty (default: pretty at a terminal, json when piped)")
    .option("--slowlog-log-slower-than <us>", `log commands slower than this in SLOWLOG (default ${DIAGNOSTICS_DEFAULTS.slowlogLogSlowerThanUs}; -1 off, 0 all)`)
    .option("--slowlog-max-len <n>", `entries SLOWLOG keeps (default ${DIAGNOSTICS_DEFAULTS.slowlogMaxLen})`)
    .option("--latency-monitor-threshold <ms>", "record events at least this slow for LATENCY (default 0: off)");
}

export interface ObservedLogging {
  logger: Logger;
  observability: Observability;
}

/** The process's logger and Observability, from its settings. */
export function observabilityFromOptions(
  options: RawOptions, role: ProcessRole, bindings: Record<string, string>, password: string | undefined,
): ObservedLogging {
  const problems = new RecentProblems();
  const logger = createLogger(logLevelOption(options), bindings, {
    format: logFormatOption(options),
    onProblem: (level, message) => problems.add(level, message),
  });
  const metricsPort = options.metricsPort === undefined ? undefined : portOption(options, "metricsPort", 0);
  const observability = new Observability({
    role,
    logger,
    problems,
    ...(metricsPort === undefined ? {} : { http: { host: stringOption(options, "metricsHost", "127.0.0.1"), port: metricsPort } }),
    ...(password === undefined ? {} : { password }),
    diagnostics: diagnosticsOption(options),
  });
  return { logger, observability };
}

function logFormatOption(options: RawOptions): LogFormat | undefined {
  const format = options.logFormat;
  if (format === undefined) return undefined;
  if (typeof format !== "string" || !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new SettingsError(`--log-format must be one of ${LOG_FORMATS.join(", ")}, got "${String(format)}"`);
  }
  return format as LogFormat;
}

function diagnosticsOption(options: RawOptions): Partial<DiagnosticsSettings> {
  const range = (name: string) => DIAGNOSTIC_SETTINGS.find((setting) => setting.name === name)!;
  const read = (option: string, setting: string, fallback: number) => integerOption(options, option, fallback, range(setting).min, range(setting).max);
  return {
    slowlogLogSlowerThanUs: read("slowlogLogSlowerThan", "slowlog-log-slower-than", DIAGNOSTICS_DEFAULTS.slowlogLogSlowerThanUs),
    slowlogMaxLen: read("slowlogMaxLen", "slowlog-max-len", DIAGNOSTICS_DEFAULTS.slowlogMaxLen),
    latencyMonitorThresholdMs: read("latencyMonitorThreshold", "latency-monitor-threshold", DIAGNOSTICS_DEFAULTS.latencyMonitorThresholdMs),
  };
}
