// A benchmark spread over worker threads, so that the load generator can use more than one core
// (one Node thread tops out well below a C client such as redis-benchmark). The clients and the
// requests are split evenly; the keyspace is preloaded first from this thread; the threads'
// histograms and counts are merged at the end (summarize()).

import { Worker } from "node:worker_threads";
import type { ChannelOptions } from "./resp-channel.js";
import { classifyBenchFailure, openBenchChannel } from "./resp-channel.js";
import { BenchRun, summarize, type BenchPhase, type BenchResult, type Measurement, type ProgressSource, type StopCondition } from "./runner.js";
import type { WorkerMessage, WorkerPlan } from "./bench-worker.js";
import { WorkloadGenerator, type WorkloadShape } from "./workload.js";

export interface ThreadedPlan {
  threads: number;
  clients: number;
  pipeline: number;
  stop: StopCondition;
  warmupMs: number;
  preload: boolean;
  shape: WorkloadShape;
  channel: ChannelOptions;
}

const WORKER_URL = new URL("./bench-worker.js", import.meta.url);

/** `total` cut into `parts` whole shares that differ by at most one. */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0));
}

export class ThreadedBenchRun implements ProgressSource {
  phase: BenchPhase = "connecting";
  private preloader: BenchRun | undefined;
  private readonly completedByThread: number[];
  private readonly phaseByThread: BenchPhase[];
  private measureStartMs = Infinity;

  constructor(private readonly plan: ThreadedPlan) {
    this.completedByThread = new Array<number>(plan.threads).fill(0);
    this.phaseByThread = new Array<BenchPhase>(plan.threads).fill("connecting");
  }

  get preloadedKeys(): number {
    return this.preloader?.preloadedKeys ?? 0;
  }

  get completed(): number {
    return this.completedByThread.reduce((sum, count) => sum + count, 0);
  }

  progress(nowMs = performance.now()): number {
    if (this.phase === "done") return 1;
    if (nowMs < this.measureStartMs) return 0;
    const stop = this.plan.stop;
    const share = "requests" in stop ? this.completed / stop.requests : (nowMs - this.measureStartMs) / stop.durationMs;
    return Math.min(1, share);
  }

  async run(): Promise<BenchResult> {
    const preloadedKeys = this.plan.preload ? await this.preload() : 0;
    const clients = splitEvenly(this.plan.clients, this.plan.threads);
    const requests = "requests" in this.plan.stop ? splitEvenly(this.plan.stop.requests, this.plan.threads) : undefined;
    this.measureStartMs = performance.now() + this.plan.warmupMs;
    const workers: Worker[] = [];
    const threads = clients.map((count, index) => this.runThread(index, workers, {
      channel: this.plan.channel,
      shape: this.plan.shape,
      clients: count,
      pipeline: this.plan.pipeline,
      stop: requests ? { requests: requests[index]! } : this.plan.stop,
      warmupMs: this.plan.warmupMs,
    }));
    let measurements: Measurement[];
    try {
      measurements = await Promise.all(threads);
    } catch (error) {
      // One thread failed (e.g. could not connect): stop the others rather than wait for them.
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    this.phase = "done";
    return { ...summarize(measurements), preloadedKeys };
  }

  /** Fills the keyspace from this thread, with a BenchRun that measures nothing. */
  private async preload(): Promise<number> {
    this.phase = "preloading";
    this.preloader = new BenchRun({
      clients: this.plan.clients,
      pipeline: 1,
      stop: { requests: 0 },
      warmupMs: 0,
      preload: true,
      valueBytes: this.plan.shape.valueBytes,
      workload: new WorkloadGenerator(this.plan.shape),
      openChannel: () => openBenchChannel(this.plan.channel),
      classifyFailure: classifyBenchFailure,
    });
    return (await this.preloader.measure()).preloadedKeys;
  }

  private runThread(index: number, workers: Worker[], plan: WorkerPlan): Promise<Measurement> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { workerData: plan });
      workers.push(worker);
      let settled = false;
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "progress") {
          this.completedByThread[index] = message.completed;
          this.phaseByThread[index] = message.phase;
          this.phase = this.phaseByThread.includes("measuring") ? "measuring" : message.phase;
          return;
        }
        settled = true;
        if (message.type === "done") {
          this.completedByThread[index] = message.measurement.histogram.total;
          resolve(message.measurement);
        } else reject(new Error(`bench thread ${index + 1}: ${message.message}`));
      });
      worker.on("error", (error) => {
        settled = true;
        reject(error);
      });
      worker.on("exit", (code) => {
        if (!settled) reject(new Error(`bench thread ${index + 1} exited (${code}) without a result`));
      });
    });
  }
}
