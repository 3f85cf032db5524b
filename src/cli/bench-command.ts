// `ringkv bench`: a load generator for any RESP server (a ringkv node or coordinator,
// redis-server, ...). It prints throughput, latency quantiles and errors by code, or one JSON
// object with --json.

import type { Command } from "commander";
import { BenchRun } from "../bench/runner.js";
import { classifyBenchFailure, openBenchChannel, type ChannelOptions } from "../bench/resp-channel.js";
import { showProgress } from "../bench/progress-bar.js";
import { reportJson, reportText, type BenchSettings } from "../bench/report.js";
import { ThreadedBenchRun } from "../bench/threaded-run.js";
import { WorkloadGenerator, type WorkloadShape } from "../bench/workload.js";
import { BENCH_DEFAULTS, parseBenchOptions, type BenchOptions } from "./bench-options.js";
import { DEFAULTS } from "../shared/defaults.js";
import type { RawOptions } from "./settings.js";

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("load-test any RESP server: throughput, latency quantiles, errors by code")
    .option("--host <address>", `server address (default ${DEFAULTS.host})`)
    .option("--port <port>", `server port (default ${DEFAULTS.coordinatorPort})`)
    .option("--password <password>", "AUTH with this password on every connection")
    .option("--workload <kind>", "set, get or mixed (default set)")
    .option("--read-ratio <share>", `share of GETs in the mixed workload (default ${BENCH_DEFAULTS.readRatio})`)
    .option("--clients <n>", `connections, each its own client (default ${BENCH_DEFAULTS.clients})`)
    .option("--threads <n>", "worker threads to spread the clients over (default 1; one Node thread can be the bottleneck)")
    .option("--pipeline <n>", `requests in flight on each connection (default ${BENCH_DEFAULTS.pipeline})`)
    .option("--value-size <bytes>", `size of each value written (default ${BENCH_DEFAULTS.valueBytes})`)
    .option("--keyspace <n>", `keys drawn uniformly from key:000000000000 on (default ${BENCH_DEFAULTS.keyspace})`)
    .option("--duration <time>", "how long to measure, e.g. 10s, 500ms, 2m (default 10s)")
    .option("--requests <n>", "measure this many requests instead of a duration")
    .option("--warmup <time>", "run this long before measuring (default 0s)")
    .option("--preload", "write every key of the keyspace (MSET batches) before the run, so GETs hit")
    .option("--timeout-ms <ms>", "deadline of one request; a late reply counts as a TIMEOUT error")
    .option("--json", "print one JSON object instead of text (no progress bar)")
    .addHelpText("after", `
Latency is measured per request, from send to reply, in a log-linear histogram: every quantile
is within 0.8% of the exact value. Requests during --warmup are sent but not measured.

Examples:
  ringkv bench --port ${DEFAULTS.coordinatorPort} --workload set --clients 50 --duration 10s
  ringkv bench --workload get --preload --keyspace 10000 --pipeline 16 --requests 1000000
  ringkv bench --workload mixed --read-ratio 0.8 --json > result.json
  ringkv bench --port 6379 --workload get --preload --threads 2     # redis-server, for comparison`)
    .action(async (flags: RawOptions) => {
      const options = parseBenchOptions(flags, DEFAULTS.coordinatorPort);
      await runBenchCommand(options);
    });
}

/** One thread runs the clients itself; more spread them over worker threads. */
function makeRun(options: BenchOptions): BenchRun | ThreadedBenchRun {
  if (options.threads > 1) {
    return new ThreadedBenchRun({
      threads: options.threads,
      clients: options.clients,
      pipeline: options.pipeline,
      stop: options.stop,
      warmupMs: options.warmupMs,
      preload: options.preload,
      shape: workloadShape(options),
      channel: channelOptions(options),
    });
  }
  return new BenchRun({
    clients: options.clients,
    pipeline: options.pipeline,
    stop: options.stop,
    warmupMs: options.warmupMs,
    preload: options.preload,
    valueBytes: options.valueBytes,
    workload: new WorkloadGenerator(workloadShape(options)),
    openChannel: () => openBenchChannel(channelOptions(options)),
    classifyFailure: classifyBenchFailure,
  });
}

function workloadShape(options: BenchOptions): WorkloadShape {
  return { workload: options.workload, readRatio: options.readRatio, keyspace: options.keyspace, valueBytes: options.valueBytes };
}

function channelOptions(options: BenchOptions): ChannelOptions {
  return { host: options.host, port: options.port, password: options.password, timeoutMs: options.timeoutMs };
}

async function runBenchCommand(options: BenchOptions): Promise<void> {
  const run = makeRun(options);
  const progress = !options.json && process.stderr.isTTY ? showProgress(run) : undefined;
  let result;
  try {
    result = await run.run();
  } finally {
    progress?.stop();
  }
  const settings: BenchSettings = {
    target: `${options.host}:${options.port}`,
    workload: options.workload,
    ...(options.workload === "mixed" ? { readRatio: options.readRatio } : {}),
    clients: options.clients,
    threads: options.threads,
    pipeline: options.pipeline,
    valueBytes: options.valueBytes,
    keyspace: options.keyspace,
    warmupMs: options.warmupMs,
  };
  console.log(options.json ? reportJson(settings, result) : reportText(settings, result));
  if (result.requests === 0) process.exitCode = 1;
}
