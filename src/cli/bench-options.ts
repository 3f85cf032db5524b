// The settings of one `ringkv bench` run, read from its flags and checked before anything
// connects, so that a typo gets a clear message instead of a half-run benchmark.

import { DEFAULTS } from "../shared/defaults.js";
import { CLIENT_LIMITS, DEFAULT_LIMITS } from "../shared/limits.js";
import { integerOption, optionalString, portOption, SettingsError, stringOption, type RawOptions } from "./settings.js";
import { BENCH_LIMITS } from "../bench/bench-limits.js";
import { parseDurationMs } from "../bench/duration.js";
import type { StopCondition } from "../bench/runner.js";

export type Workload = "set" | "get" | "mixed";
const WORKLOADS: readonly Workload[] = ["set", "get", "mixed"];


export interface BenchOptions {
  host: string;
  port: number;
  password: string | undefined;
  workload: Workload;
  /** Share of GETs in the mixed workload (0..1). */
  readRatio: number;
  clients: number;
  /** Worker threads the clients are spread over. */
  threads: number;
  /** Requests in flight on each connection. */
  pipeline: number;
  valueBytes: number;
  keyspace: number;
  stop: StopCondition;
  warmupMs: number;
  /** Write every key of the keyspace before measuring, so that GETs find values. */
  preload: boolean;
  json: boolean;
  timeoutMs: number;
}

export const BENCH_DEFAULTS = {
  clients: 50,
  pipeline: 1,
  valueBytes: 100,
  keyspace: 100_000,
  durationMs: 10_000,
  readRatio: 0.9,
};

export function parseBenchOptions(flags: RawOptions, defaultPort: number): BenchOptions {
  return {
    host: stringOption(flags, "host", DEFAULTS.host),
    port: portOption(flags, "port", defaultPort),
    password: optionalString(flags, "password"),
    workload: workloadOption(flags),
    readRatio: readRatioOption(flags),
    clients: integerOption(flags, "clients", BENCH_DEFAULTS.clients, 1, BENCH_LIMITS.clientsMax),
    threads: threadsOption(flags),
    pipeline: integerOption(flags, "pipeline", BENCH_DEFAULTS.pipeline, 1, DEFAULT_LIMITS.pipelineDepthMax),
    valueBytes: integerOption(flags, "valueSize", BENCH_DEFAULTS.valueBytes, 0, DEFAULT_LIMITS.valueBytesMax),
    keyspace: integerOption(flags, "keyspace", BENCH_DEFAULTS.keyspace, 1, 2 ** 32),
    stop: stopOption(flags),
    warmupMs: durationOption(flags, "warmup", 0),
    preload: flags.preload === true,
    json: flags.json === true,
    timeoutMs: integerOption(flags, "timeoutMs", CLIENT_LIMITS.requestTimeoutMs),
  };
}

function workloadOption(flags: RawOptions): Workload {
  const workload = stringOption(flags, "workload", "set");
  if (!(WORKLOADS as readonly string[]).includes(workload)) {
    throw new SettingsError(`--workload must be one of ${WORKLOADS.join(", ")}, got "${workload}"`);
  }
  return workload as Workload;
}

function threadsOption(flags: RawOptions): number {
  const threads = integerOption(flags, "threads", 1, 1, BENCH_LIMITS.threadsMax);
  const clients = integerOption(flags, "clients", BENCH_DEFAULTS.clients, 1, BENCH_LIMITS.clientsMax);
  if (threads > clients) throw new SettingsError(`--threads (${threads}) cannot be more than --clients (${clients})`);
  return threads;
}

function readRatioOption(flags: RawOptions): number {
  if (flags.readRatio === undefined) return BENCH_DEFAULTS.readRatio;
  if (flags.workload !== "mixed") throw new SettingsError("--read-ratio applies to --workload mixed only");
  const text = String(flags.readRatio);
  const ratio = Number(text);
  if (text.trim() === "" || !(ratio >= 0 && ratio <= 1)) {
    throw new SettingsError(`--read-ratio must be a number from 0 to 1, got "${text}"`);
  }
  return ratio;
}

function stopOption(flags: RawOptions): StopCondition {
  if (flags.requests !== undefined && flags.duration !== undefined) {
    throw new SettingsError("give --duration or --requests, not both");
  }
  if (flags.requests !== undefined) return { requests: integerOption(flags, "requests", 1) };
  const durationMs = durationOption(flags, "duration", BENCH_DEFAULTS.durationMs);
  if (durationMs === 0) throw new SettingsError("--duration must be longer than 0");
  return { durationMs };
}

function durationOption(flags: RawOptions, name: string, fallbackMs: number): number {
  const value = flags[name];
  if (value === undefined) return fallbackMs;
  const parsed = parseDurationMs(String(value));
  if (typeof parsed === "string") throw new SettingsError(`--${name}: ${parsed}`);
  return parsed;
}
