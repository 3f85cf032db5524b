// Background deletion of expired keys. An expired key is already absent to every reader (the
// commands compare deadlines with the clock); this only reclaims its space. Each step looks at a
// bounded number of keys, in key order from where the last step stopped (wrapping at the end), and
// hands the expired ones to `deleteExpired`: on a standalone node one deleteExpired command through
// the backend's normal write path, on a cluster node a message to the coordinator, which runs that
// command through 2PC. The command re-checks each key against its newest value (in a cluster, at
// the coordinator's clock), so a key written again meanwhile is kept. Work per second is bounded by
// EXPIRY_LIMITS.
import { decodeEntry, isExpired } from "../core/commands/index.js";
import { EXPIRY_LIMITS } from "../shared/limits.js";
import type { KVStore } from "../storage/kv-store.js";
import { CorruptRecordError } from "../storage/record-checksum.js";
import type { Logger } from "./logger.js";

export interface ExpirySweeper {
  /** Stops after the step in progress, if any. */
  stop(): Promise<void>;
}

export function startExpirySweeper(
  store: KVStore, deleteExpired: (keys: Buffer[]) => unknown, logger: Logger, nowMs: () => number = Date.now,
): ExpirySweeper {
  let after: Buffer | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const step = async (): Promise<void> => {
    const expired: Buffer[] = [];
    let looked = 0;
    for (const [key, stored] of store.entriesOrDamaged("data", after)) {
      if (looked++ === EXPIRY_LIMITS.sweepKeysPerStep) break;
      after = key;
      // A damaged record is passed by (the store counts it; a read of it says so, repair or the scrub's report mends it).
      if (!(stored instanceof CorruptRecordError) && isExpired(decodeEntry(stored), nowMs())) expired.push(key);
    }
    if (looked <= EXPIRY_LIMITS.sweepKeysPerStep) after = undefined; // reached the end: start over
    if (expired.length > 0) await deleteExpired(expired);
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = step().catch((error: unknown) => logger.warn({ err: error }, "expiry sweep step failed; trying again"))
        .finally(schedule);
    }, EXPIRY_LIMITS.sweepIntervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
