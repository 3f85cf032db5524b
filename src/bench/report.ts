// How a finished benchmark is shown: a few aligned lines for a person, or one JSON object (with
// the settings beside the figures) for scripts and docs/BENCHMARKS.md.

import type { BenchResult } from "./runner.js";

export interface BenchSettings {
  target: string;
  workload: string;
  readRatio?: number;
  clients: number;
  threads: number;
  pipeline: number;
  valueBytes: number;
  keyspace: number;
  warmupMs: number;
}

export function reportJson(settings: BenchSettings, result: BenchResult): string {
  return JSON.stringify({ ...settings, ...result, opsPerSec: Math.round(result.opsPerSec) });
}

export function reportText(settings: BenchSettings, result: BenchResult): string {
  const latency = result.latencyMs;
  const mix = settings.readRatio === undefined ? settings.workload : `${settings.workload} (${settings.readRatio * 100}% reads)`;
  const lines = [
    `${mix} against ${settings.target}: ${settings.clients} clients${threadsText(settings.threads)}, pipeline ${settings.pipeline}, ` +
      `${settings.valueBytes}-byte values, keyspace ${settings.keyspace}`,
    `  requests    ${count(result.requests)} in ${(result.elapsedMs / 1000).toFixed(2)} s`,
    `  throughput  ${count(Math.round(result.opsPerSec))} ops/s`,
    `  latency ms  p50 ${ms(latency.p50)}  p95 ${ms(latency.p95)}  p99 ${ms(latency.p99)}  ` +
      `p99.9 ${ms(latency.p999)}  max ${ms(latency.max)}  (within ${(result.latencyRelativeErrorMax * 100).toFixed(1)}%)`,
    `  errors      ${errorsText(result)}`,
  ];
  if (result.preloadedKeys > 0) lines.splice(1, 0, `  preloaded   ${count(result.preloadedKeys)} keys`);
  if (result.clientsLost > 0) lines.push(`  lost        ${result.clientsLost} of ${settings.clients} connections`);
  return lines.join("\n");
}

function threadsText(threads: number): string {
  return threads > 1 ? ` on ${threads} threads` : "";
}

function errorsText(result: BenchResult): string {
  if (result.errorsTotal === 0) return "none";
  const byCode = Object.entries(result.errors).sort(([, a], [, b]) => b - a).map(([code, n]) => `${code} ${count(n)}`);
  return `${count(result.errorsTotal)} (${byCode.join(", ")})`;
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

function ms(value: number): string {
  return value.toFixed(3);
}
