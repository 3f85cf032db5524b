// One worker thread of a threaded benchmark: runs its share of the clients and posts its
// progress now and then, and its raw figures at the end (see ./threaded-run.ts).

import { parentPort, workerData } from "node:worker_threads";
import { classifyBenchFailure, openBenchChannel, type ChannelOptions } from "./resp-channel.js";
import { BenchRun, type BenchPhase, type Measurement, type StopCondition } from "./runner.js";
import { WorkloadGenerator, type WorkloadShape } from "./workload.js";

export interface WorkerPlan {
  channel: ChannelOptions;
  shape: WorkloadShape;
  clients: number;
  pipeline: number;
  stop: StopCondition;
  warmupMs: number;
}

export type WorkerMessage =
  | { type: "progress"; phase: BenchPhase; completed: number }
  | { type: "done"; measurement: Measurement }
  | { type: "failed"; message: string };

const PROGRESS_EVERY_MS = 200;

async function runWorker(plan: WorkerPlan, post: (message: WorkerMessage) => void): Promise<void> {
  const run = new BenchRun({
    clients: plan.clients,
    pipeline: plan.pipeline,
    stop: plan.stop,
    warmupMs: plan.warmupMs,
    preload: false,
    valueBytes: plan.shape.valueBytes,
    workload: new WorkloadGenerator(plan.shape),
    openChannel: () => openBenchChannel(plan.channel),
    classifyFailure: classifyBenchFailure,
  });
  const timer = setInterval(() => post({ type: "progress", phase: run.phase, completed: run.completed }), PROGRESS_EVERY_MS);
  try {
    post({ type: "done", measurement: await run.measure() });
  } catch (error) {
    post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  } finally {
    clearInterval(timer);
  }
}

if (parentPort) {
  const port = parentPort;
  await runWorker(workerData as WorkerPlan, (message) => port.postMessage(message));
}
