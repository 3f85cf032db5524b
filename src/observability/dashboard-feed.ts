// The dashboard's live stream (server-sent events): on connect, everything (status, partition
// table, the charts' history, recent problems); then once a second the new traffic sample, plus
// whichever of the others changed. The partition table goes as node indices, so 1024
// partitions cost a few kilobytes, sent again only when placement or liveness changes.

import type { ServerResponse } from "node:http";
import { OBSERVABILITY_LIMITS } from "../shared/limits.js";
import { partitionConditions } from "./cluster-health.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import type { Problem } from "./recent-problems.js";
import type { StatusReport } from "./status-report.js";
import type { TrafficPoint } from "./traffic-series.js";

/** Where each partition lives: sent only when it changes (the status, with uptimes, changes every second). */
export interface PartitionTable {
  /** Node ids in the order the table refers to them. */
  nodeIds: string[];
  /** replicas[p]: indices into nodeIds, primary first. */
  replicas: number[][];
  /** inSync[p]: indices into nodeIds. */
  inSync: number[][];
  /** learners[p]: replicas catching up on partition p (a move's new replicas, or a returning node), indices into nodeIds. */
  learners: number[][];
  /** conditions[p]: 0 fully replicated, 1 under-replicated, 2 unwritable, 3 unavailable (cluster-health.ts). */
  conditions: number[];
}

export function partitionTable(snapshot: ClusterSnapshot, status: StatusReport): PartitionTable {
  const nodeIds = status.nodes.map((node) => node.id);
  const index = new Map(nodeIds.map((id, i) => [id, i]));
  const toIndices = (ids: readonly string[]) => ids.map((id) => index.get(id) ?? -1);
  return {
    nodeIds,
    replicas: snapshot.replicas.map(toIndices),
    inSync: snapshot.inSync.map(toIndices),
    learners: snapshot.learners.map(toIndices),
    conditions: [...partitionConditions(snapshot)],
  };
}

export class DashboardFeed {
  readonly #streams = new Set<ServerResponse>();
  #statusJson = "null";
  #partitionsJson = "null";
  #problemsJson = "[]";

  constructor(private readonly history: () => TrafficPoint[]) {}

  /** Takes a new stream; answers 503 when too many are open. */
  open(response: ServerResponse): void {
    if (this.#streams.size >= OBSERVABILITY_LIMITS.dashboardStreamsMax) {
      response.writeHead(503, { "content-type": "text/plain", "retry-after": "5" });
      response.end(`at most ${OBSERVABILITY_LIMITS.dashboardStreamsMax} dashboards may follow this coordinator at once\n`);
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    response.write(`retry: 1000\n\n`);
    response.write(event("hello", `{"status":${this.#statusJson},"partitions":${this.#partitionsJson},`
      + `"problems":${this.#problemsJson},"series":${JSON.stringify(this.history())}}`));
    this.#streams.add(response);
    response.on("close", () => this.#streams.delete(response));
  }

  /** One second's news: the traffic sample, and the status, partitions and problems that changed. */
  publish(point: TrafficPoint | undefined, status: StatusReport, partitions: PartitionTable, problems: Problem[]): void {
    const parts: string[] = [];
    if (point !== undefined) parts.push(`"point":${JSON.stringify(point)}`);
    const statusJson = JSON.stringify(status);
    if (statusJson !== this.#statusJson) parts.push(`"status":${(this.#statusJson = statusJson)}`);
    const partitionsJson = JSON.stringify(partitions);
    if (partitionsJson !== this.#partitionsJson) parts.push(`"partitions":${(this.#partitionsJson = partitionsJson)}`);
    const problemsJson = JSON.stringify(problems);
    if (problemsJson !== this.#problemsJson) parts.push(`"problems":${(this.#problemsJson = problemsJson)}`);
    if (parts.length === 0) return;
    const message = event("update", `{${parts.join(",")}}`);
    for (const stream of this.#streams) stream.write(message);
  }

  get streams(): number {
    return this.#streams.size;
  }
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
