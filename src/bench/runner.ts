// Drives one benchmark: `clients` connections, each with `pipeline` requests always in flight
// (one "lane" per slot: a lane sends its next request as soon as its reply arrives). Requests
// sent during the warmup are not measured. Latency runs from send to reply, per request.
// The runner knows connections only through BenchChannel, so it is tested without sockets.

import { BENCH_LIMITS } from "./bench-limits.js";
import { Histogram, type HistogramSnapshot } from "./histogram.js";
import type { CommandArgs, WorkloadGenerator } from "./workload.js";

/** When the measured part of a run stops: after a time, or after a number of requests. */
export type StopCondition = { durationMs: number } | { requests: number };

export interface BenchChannel {
  send(args: CommandArgs): Promise<unknown>;
  close(): void;
}

/** What a failed request means: its error code, and whether its connection is gone. */
export interface FailureKind {
  code: string;
  connectionLost: boolean;
}

export interface BenchPlan {
  clients: number;
  pipeline: number;
  stop: StopCondition;
  warmupMs: number;
  preload: boolean;
  valueBytes: number;
  workload: WorkloadGenerator;
  openChannel: () => Promise<BenchChannel>;
  classifyFailure: (error: unknown) => FailureKind;
}

export type BenchPhase = "connecting" | "preloading" | "warmup" | "measuring" | "done";

/** What the progress bar reads while a run goes on (a BenchRun, or a run over worker threads). */
export interface ProgressSource {
  readonly phase: BenchPhase;
  readonly preloadedKeys: number;
  /** Measured requests answered successfully so far. */
  readonly completed: number;
  /** How far the run is, as a share from 0 to 1 of its measured part. */
  progress(nowMs?: number): number;
}

export interface BenchResult {
  /** Successful requests in the measured part. */
  requests: number;
  elapsedMs: number;
  opsPerSec: number;
  latencyMs: { min: number; mean: number; p50: number; p95: number; p99: number; p999: number; max: number };
  /** Every latency quantile is within this share of the exact value (the histogram's bucket width). */
  latencyRelativeErrorMax: number;
  errors: Record<string, number>;
  errorsTotal: number;
  /** Connections that were lost during the run (their lanes stopped). */
  clientsLost: number;
  preloadedKeys: number;
}

/** The raw figures of one run (or of one thread's share of it), before they are summarized. */
export interface Measurement {
  histogram: HistogramSnapshot;
  elapsedMs: number;
  errors: Record<string, number>;
  clientsLost: number;
  preloadedKeys: number;
}

/** One result from the measurements of every thread: counts add up, the measured time is the longest. */
export function summarize(measurements: Measurement[]): BenchResult {
  const latencies = new Histogram();
  const errors: Record<string, number> = {};
  let elapsedMs = 0;
  let clientsLost = 0;
  let preloadedKeys = 0;
  for (const part of measurements) {
    latencies.merge(Histogram.fromSnapshot(part.histogram));
    for (const [code, count] of Object.entries(part.errors)) errors[code] = (errors[code] ?? 0) + count;
    elapsedMs = Math.max(elapsedMs, part.elapsedMs);
    clientsLost += part.clientsLost;
    preloadedKeys += part.preloadedKeys;
  }
  const ms = (nanoseconds: number): number => nanoseconds / 1e6;
  return {
    requests: latencies.count,
    elapsedMs,
    opsPerSec: elapsedMs > 0 ? latencies.count / (elapsedMs / 1000) : 0,
    latencyMs: {
      min: ms(latencies.min), mean: ms(latencies.mean), p50: ms(latencies.quantile(0.5)), p95: ms(latencies.quantile(0.95)),
      p99: ms(latencies.quantile(0.99)), p999: ms(latencies.quantile(0.999)), max: ms(latencies.max),
    },
    latencyRelativeErrorMax: latencies.relativeErrorMax,
    errors,
    errorsTotal: Object.values(errors).reduce((sum, count) => sum + count, 0),
    clientsLost,
    preloadedKeys,
  };
}

/** Bytes of values in one preload MSET: keeps each request far below any request size limit. */
const PRELOAD_BATCH_BYTES = 1024 * 1024;

export class BenchRun implements ProgressSource {
  phase: BenchPhase = "connecting";
  preloadedKeys = 0;
  /** Measured requests answered successfully so far. */
  completed = 0;
  private issued = 0;
  private measureStartMs = Infinity;
  private lastReplyMs = 0;
  private clientsLost = 0;
  private readonly histogram = new Histogram();
  private readonly errors = new Map<string, number>();

  constructor(private readonly plan: BenchPlan) {}

  /** How far the run is, as a share from 0 to 1 of its measured part. */
  progress(nowMs = performance.now()): number {
    if (this.phase === "done") return 1;
    if (!Number.isFinite(this.measureStartMs) || nowMs < this.measureStartMs) return 0;
    const stop = this.plan.stop;
    const share = "requests" in stop ? this.completed / stop.requests : (nowMs - this.measureStartMs) / stop.durationMs;
    return Math.min(1, share);
  }

  async run(): Promise<BenchResult> {
    return summarize([await this.measure()]);
  }

  /** Runs, and answers the raw figures (for a thread of a threaded run). */
  async measure(): Promise<Measurement> {
    const channels = await this.openAll();
    try {
      if (this.plan.preload) await this.preloadAll(channels);
      const startMs = performance.now();
      this.measureStartMs = startMs + this.plan.warmupMs;
      this.lastReplyMs = this.measureStartMs;
      this.phase = this.plan.warmupMs > 0 ? "warmup" : "measuring";
      const lanes = channels.flatMap((channel) => {
        const life = { alive: true };
        return Array.from({ length: this.plan.pipeline }, () => this.lane(channel, life));
      });
      await Promise.all(lanes);
    } finally {
      for (const channel of channels) channel.close();
    }
    this.phase = "done";
    return {
      histogram: this.histogram.snapshot(),
      elapsedMs: Math.max(0, this.lastReplyMs - this.measureStartMs),
      errors: Object.fromEntries(this.errors),
      clientsLost: this.clientsLost,
      preloadedKeys: this.preloadedKeys,
    };
  }

  private async openAll(): Promise<BenchChannel[]> {
    const opened = await Promise.allSettled(Array.from({ length: this.plan.clients }, () => this.plan.openChannel()));
    const channels = opened.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    const failure = opened.find((outcome) => outcome.status === "rejected");
    if (failure) {
      for (const channel of channels) channel.close();
      throw failure.reason;
    }
    return channels;
  }

  private async preloadAll(channels: BenchChannel[]): Promise<void> {
    this.phase = "preloading";
    const batchKeys = Math.max(1, Math.min(BENCH_LIMITS.preloadBatchKeys,
      Math.floor(PRELOAD_BATCH_BYTES / (this.plan.valueBytes + 32))));
    const pairs = this.plan.workload.preloadPairs();
    const loader = async (channel: BenchChannel): Promise<void> => {
      for (;;) {
        const args: CommandArgs = ["MSET"];
        for (let i = 0; i < batchKeys; i++) {
          const next = pairs.next();
          if (next.done) break;
          args.push(...next.value);
        }
        if (args.length === 1) return;
        await channel.send(args);
        this.preloadedKeys += (args.length - 1) / 2;
      }
    };
    await Promise.all(channels.map(loader));
  }

  private async lane(channel: BenchChannel, life: { alive: boolean }): Promise<void> {
    // One clock read per request on each side: the reply's time is also the next send's.
    let sentAt = performance.now();
    while (life.alive && this.shouldSend(sentAt)) {
      const args = this.plan.workload.next();
      const measured = sentAt >= this.measureStartMs;
      if (measured) {
        this.phase = "measuring";
        this.issued += 1;
      }
      try {
        await channel.send(args);
        const repliedAt = performance.now();
        if (measured) this.recordReply(sentAt, repliedAt);
        sentAt = repliedAt;
      } catch (error) {
        sentAt = performance.now();
        const failure = this.plan.classifyFailure(error);
        if (measured) this.errors.set(failure.code, (this.errors.get(failure.code) ?? 0) + 1);
        if (failure.connectionLost && life.alive) {
          life.alive = false;
          this.clientsLost += 1;
        }
      }
    }
  }

  private shouldSend(nowMs: number): boolean {
    const stop = this.plan.stop;
    if ("requests" in stop) return this.issued < stop.requests;
    return nowMs < this.measureStartMs + stop.durationMs;
  }

  private recordReply(sentAt: number, now: number): void {
    this.histogram.record((now - sentAt) * 1e6);
    this.completed += 1;
    this.lastReplyMs = Math.max(this.lastReplyMs, now);
  }
}
