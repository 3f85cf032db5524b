// Known bugs, planted on purpose behind `--plant NAME`, to prove the checkers catch what they
// claim to. Each perturbs only what the simulator feeds the machines or carries between them, so
// src/core stays clean: the machines are the real ones, the world around them lies.

import { keyString } from "../core/cluster/key-string.js";
import type { Bytes, CoordinatorRecord, ParticipantRecord } from "../core/cluster/types.js";
import type { Prng } from "./prng.js";
import type { ParticipantDurable } from "./sim-disk.js";

export interface PlantHooks {
  /** True: feed `persisted` for this batch at once, before it is durable (a lying fsync). */
  persistedBeforeSync?(records: ReadonlyArray<CoordinatorRecord | ParticipantRecord>): boolean;
  /** Rewrites what a replica answers a read with; `keys` are the keys it was asked. */
  readReply?(keys: readonly Bytes[], values: Array<Bytes | null>, durable: ParticipantDurable, prng: Prng): Array<Bytes | null>;
  /** Changes a storage node's durable state as it restarts, before it recovers from it. */
  participantRestart?(durable: ParticipantDurable): void;
  /** True: the coordinator's port reports every proof of the secret right (it skips the check). */
  skipProofCheck?: boolean;
}

export interface Plant {
  name: string;
  description: string;
  /** What should catch it. */
  caughtBy: string;
  hooks: PlantHooks;
}

export const PLANTS: readonly Plant[] = [
  {
    name: "vote-before-sync",
    description: "a participant's prepared record is reported durable before its sync, so it votes yes on a record a crash can still take",
    caughtBy: "placement (a write acknowledged before it is on W disks), convergence (replicas differ) or linearizability (an acknowledged write is lost)",
    hooks: { persistedBeforeSync: (records) => records.some((record) => record.type === "prepared") },
  },
  {
    name: "ack-before-decision-sync",
    description: "the coordinator's commit decision is reported durable before its sync, so it answers OK and sends commit before the decision is on disk",
    caughtBy: "linearizability (an acknowledged write is lost) or convergence",
    hooks: { persistedBeforeSync: (records) => records.some((record) => record.type === "decision") },
  },
  {
    name: "stale-replica-read",
    description: "a replica answers reads with the value a key had before its latest commit, as one that missed the commit would",
    caughtBy: "linearizability (a read returns an overwritten value)",
    hooks: {
      readReply: (keys, values, durable, prng) => keys.map((key, index) => {
        const stale = keyString(key);
        if (!durable.overwritten.has(stale) || !prng.chance(0.5)) return values[index] ?? null;
        return durable.overwritten.get(stale) ?? null;
      }),
    },
  },
  {
    name: "forget-prepared",
    description: "a restarting storage node loses its prepared records, so an in-doubt transaction it voted yes on is never applied there",
    caughtBy: "convergence (replicas differ) or linearizability",
    hooks: { participantRestart: (durable) => durable.prepared.clear() },
  },
  {
    name: "skip-proof-check",
    description: "the coordinator's runtime does not check a node's proof of the cluster secret, so an impostor that knows a member's id and incarnation is taken for it",
    caughtBy: "admission (an impostor is welcomed), then convergence or linearizability (it votes and acks for the member)",
    hooks: { skipProofCheck: true },
  },
];

export function findPlant(name: string): Plant {
  const plant = PLANTS.find((candidate) => candidate.name === name);
  if (plant === undefined) {
    throw new Error(`unknown plant "${name}"; known plants: ${PLANTS.map((known) => known.name).join(", ")}`);
  }
  return plant;
}
