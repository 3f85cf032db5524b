// What the parts of the coordinator (membership, writes, reads) share: configuration, the step's
// outbox, the current tick, this run's epoch, the membership, the in-sync sets and the read cache.

import type { CoordinatorConfig } from "./config.js";
import type { InSyncSets } from "./in-sync.js";
import type { Membership } from "./membership.js";
import type { CoordinatorOutbox } from "./outbox.js";
import type { ReadCache } from "./read-cache.js";

export interface CoordinatorContext {
  readonly config: CoordinatorConfig;
  readonly outbox: CoordinatorOutbox;
  readonly membership: Membership;
  readonly inSync: InSyncSets;
  readonly cache: ReadCache;
  /** The latest tick; the machine advances it on every tick event. */
  readonly clock: { now: number };
  readonly epoch: number;
}
