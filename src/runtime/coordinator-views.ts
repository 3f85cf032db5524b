// What the coordinator shows about the cluster: INFO's `cluster` section, `RINGKV NODES` (every
// storage node and its state), `RINGKV LOCATE key` (where a key lives) and `RINGKV STATUS`
// (health and every node's facts, built by src/observability), `RINGKV REPAIR` (start a repair
// round) and `RINGKV REPAIR STATUS` (what the running and the last round compared, found, fixed).

import type { CoordinatorMachine } from "../core/cluster/coordinator.js";
import type { CoordinatorView, RepairRoundView } from "../core/cluster/types.js";
import { RingkvError } from "../shared/errors.js";
import type { ExtraCommand, InfoSections, MaybePromise, ReplyValue } from "../server/backend.js";
import { moveSnapshot, snapshotOf, type FactsOf } from "../observability/cluster-snapshot.js";
import { clusterStateFields } from "../observability/status-report.js";

export function clusterInfo(machine: CoordinatorMachine): InfoSections {
  const view = machine.view();
  const up = view.members.filter((member) => member.up).length;
  return {
    cluster: {
      cluster_enabled: 1,
      // Observability: serving, degraded (and why), starting or waiting-for-nodes.
      ...clusterStateFields(snapshotOf(machine)),
      epoch: view.epoch,
      sealed: view.sealed ? 1 : 0,
      replicas: view.placement.replicas,
      min_in_sync: view.minInSync,
      under_replicated_partitions: view.underReplicatedPartitions,
      replicas_catching_up: view.catchUps.length,
      partitions: view.placement.partitions,
      vnodes_per_node: view.placement.vnodesPerNode,
      storage_nodes: view.members.length,
      storage_nodes_up: up,
      min_nodes: view.minNodes,
      transactions_in_flight: view.transactionsInFlight,
      decisions_unacknowledged: view.decisionsUnacknowledged,
      locked_keys: view.lockedKeys,
      lock_waiters: view.lockWaiters,
      reads_in_flight: view.readsInFlight,
      cache_hits: view.cache.hits,
      cache_misses: view.cache.misses,
      cache_entries: view.cache.entries,
      cache_bytes: view.cache.bytes,
    },
  };
}

const SUBCOMMANDS = "NODES, LOCATE key, STATUS, MOVES, REMOVE node-id [DEAD], REPAIR, REPAIR STATUS";

/**
 * `status`: RINGKV STATUS's reply (src/observability/status-report.ts); `factsOf`: what each node
 * last reported about itself; `repair`: starts a repair round (or names the one running); `remove`:
 * RINGKV REMOVE, which the machine answers once the removal has started (PROTOCOL.md, Membership changes).
 */
export function clusterCommands(
  machine: CoordinatorMachine, status: () => ReplyValue, factsOf: FactsOf, repair: () => MaybePromise<{ round: number; started: boolean }>,
  remove: (nodeId: string, dead: boolean) => MaybePromise<ReplyValue>,
): ExtraCommand[] {
  return [{
    name: "ringkv",
    arity: -2,
    summary: `cluster views and membership: RINGKV ${SUBCOMMANDS}`,
    write: false,
    run(args): MaybePromise<ReplyValue> {
      const sub = args[1]!.toString().toLowerCase();
      // Until its log is read the machine knows no members: an empty list would be a lie that a
      // launcher takes for "no cluster yet". STATUS tells the truth (starting) and answers.
      if (sub !== "status" && machine.view().state === "starting") {
        throw new RingkvError("CLUSTERDOWN", "the coordinator is still recovering; retry in a moment");
      }
      if (sub === "nodes" && args.length === 2) return nodesReply(machine, factsOf);
      if (sub === "locate" && args.length === 3) return locateReply(machine, args[2]!);
      if (sub === "status" && args.length === 2) return status();
      if (sub === "repair" && args.length === 2) {
        return Promise.resolve(repair()).then(({ round, started }) => new Map<string, ReplyValue>([["round", round], ["started", started ? 1 : 0]]));
      }
      if (sub === "repair" && args.length === 3 && args[2]!.toString().toLowerCase() === "status") return repairStatusReply(machine);
      if (sub === "moves" && args.length === 2) return movesReply(machine.view());
      if (sub === "remove" && (args.length === 3 || (args.length === 4 && args[3]!.toString().toUpperCase() === "DEAD"))) {
        return remove(args[2]!.toString(), args.length === 4);
      }
      throw new RingkvError("ERR", `unknown RINGKV subcommand or wrong arguments: '${args.slice(1).join(" ")}'; try RINGKV ${SUBCOMMANDS}`);
    },
  }];
}

/** By id, numbers in ids compared as numbers: node-2 before node-10. */
const byId = new Intl.Collator("en", { numeric: true }).compare;

function nodesReply(machine: CoordinatorMachine, factsOf: FactsOf): ReplyValue {
  const view = machine.view();
  const members = [...view.members].sort((a, b) => byId(a.id, b.id));
  return members.map((member) => {
    // What the node last reported ("-" until it has; no uptime while it is down).
    const facts = factsOf(member.id);
    return new Map<string, ReplyValue>([
      ["id", member.id],
      ["address", member.address],
      ["state", member.up ? "up" : "down"],
      ["joined", member.joined ? 1 : 0],
      // active, joining (its partitions move to it), leaving (they move off it), standby (new, not moved in yet).
      ["role", member.role],
      ["primary_partitions", member.primaryPartitions],
      ["replica_partitions", member.replicaPartitions],
      ["in_sync_partitions", member.inSyncPartitions],
      ["catch_up", catchUpText(view.catchUps.find((catchUp) => catchUp.node === member.id), member.replicaPartitions - member.inSyncPartitions)],
      ["keys", facts?.keys ?? "-"],
      ["data_bytes", facts?.dataBytes ?? "-"],
      ["version", facts?.version ?? "-"],
      ["uptime_seconds", member.up ? facts?.uptimeSeconds ?? "-" : "-"],
    ]);
  });
}

/** "-" when in sync everywhere; else what it is catching up on, or that it waits to (it is down). */
function catchUpText(catchUp: CoordinatorView["catchUps"][number] | undefined, outOfSync: number): string {
  if (catchUp !== undefined) {
    return `${catchUp.streamed}/${catchUp.partitions} partitions streamed, ${catchUp.keys} keys, ${catchUp.bytes} bytes`;
  }
  return outOfSync === 0 ? "-" : `${outOfSync} partitions out of sync`;
}

/** The membership change in progress: the rings, how many partitions have their new replicas in sync, and who still cleans up. */
function movesReply(view: CoordinatorView): ReplyValue {
  const move = moveSnapshot(view);
  if (move === null) return new Map<string, ReplyValue>([["state", "none"]]);
  return new Map<string, ReplyValue>([
    ["state", move.state],
    ["ring", move.ring.join(",")],
    ["target", move.target.join(",")],
    ["partitions", move.partitions],
    ["partitions_done", move.partitionsDone],
    ["cleanup", move.cleanup.join(",")],
    ["catch_up_keys", move.keysCopied],
    ["catch_up_bytes", move.bytesCopied],
  ]);
}

function locateReply(machine: CoordinatorMachine, key: Buffer): ReplyValue {
  const location = machine.locate(key);
  return new Map<string, ReplyValue>([
    ["partition", location.partition],
    ["replicas", location.replicas.map((replica) => new Map<string, ReplyValue>([
      ["id", replica.id],
      ["address", replica.address],
      ["state", replica.up ? "up" : "down"],
    ]))],
  ]);
}

/** RINGKV REPAIR STATUS: the running round, the last one, and totals since the coordinator started. */
function repairStatusReply(machine: CoordinatorMachine): ReplyValue {
  const { repair } = machine.view();
  const msOf = (ticks: number) => Math.round((ticks * 1000) / machine.config.ticksPerSecond);
  const round = (view: RepairRoundView | null): ReplyValue => (view === null ? null : new Map<string, ReplyValue>([
    ["round", view.id],
    ["trigger", view.trigger],
    ["phase", view.phase],
    ["elapsed_ms", msOf(view.elapsedTicks)],
    ["partitions_compared", view.partitionsCompared],
    ["partitions_skipped", view.partitionsSkipped],
    ["partitions_diverged", view.partitionsDiverged],
    ["ranges_diverged", view.rangesDiverged],
    ["keys_compared", view.keysCompared],
    ["keys_diverged", view.keysDiverged],
    ["keys_fixed", view.keysFixed],
    ["keys_unresolved", view.keysUnresolved],
    ["keys_changed_meanwhile", view.keysChanged],
    ["keys_left_for_next_round", view.keysLeftForNextRound ? 1 : 0],
    ["bytes_scanned", view.bytesScanned],
  ]));
  return new Map<string, ReplyValue>([
    ["running", round(repair.current)],
    ["last", round(repair.last)],
    ["rounds", repair.rounds],
    ["keys_diverged", repair.keysDiverged],
    ["keys_fixed", repair.keysFixed],
    ["next_background_in_ms", msOf(repair.nextBackgroundInTicks)],
    ["bytes_per_second", repair.bytesPerSecond],
  ]);
}
