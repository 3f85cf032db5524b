// Memory measurements for tests that bound what a component keeps: garbage collected first, so
// that only what is still referenced counts.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/**
 * process.memoryUsage() once garbage is collected. A WeakRef keeps its target alive until the
 * current job ends, and V8 frees ArrayBuffer memory lazily after a collection, so collect in
 * later jobs, a few times.
 */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
  }
  return process.memoryUsage();
}
