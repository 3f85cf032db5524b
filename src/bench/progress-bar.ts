// The bar `ringkv bench` shows on a terminal while it runs: the phase, how far the measured
// part is, and the throughput so far. It writes to stderr so that stdout holds only the report,
// and it is not drawn at all when stderr is not a terminal or the output is JSON.

import cliProgress from "cli-progress";
import type { ProgressSource } from "./runner.js";

const REFRESH_MS = 200;
const SCALE = 1000;

export interface ProgressHandle {
  stop(): void;
}

export function showProgress(run: ProgressSource, stream: NodeJS.WriteStream = process.stderr): ProgressHandle {
  const bar = new cliProgress.SingleBar({
    stream,
    format: "{phase} [{bar}] {percentage}% | {ops} ops/s | {elapsed}s",
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    fps: 1000 / REFRESH_MS,
  });
  const startMs = performance.now();
  let measureStartMs: number | undefined;
  bar.start(SCALE, 0, { phase: run.phase.padEnd(10), ops: 0, elapsed: "0.0" });
  const timer = setInterval(() => {
    const now = performance.now();
    if (run.phase === "measuring") measureStartMs ??= now;
    const seconds = measureStartMs === undefined ? 0 : (now - measureStartMs) / 1000;
    const phase = run.phase === "preloading" ? `preloading ${run.preloadedKeys}` : run.phase;
    bar.update(Math.round(run.progress(now) * SCALE), {
      phase: phase.padEnd(10),
      ops: seconds > 0 ? Math.round(run.completed / seconds).toLocaleString("en-US") : 0,
      elapsed: ((now - startMs) / 1000).toFixed(1),
    });
  }, REFRESH_MS);
  return {
    stop(): void {
      clearInterval(timer);
      bar.stop();
    },
  };
}
