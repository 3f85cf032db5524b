// Everything a process shows about itself, behind one object the process files hook into:
//   - diagnostics (slow log, latency monitor, MONITOR, command stats) for its RESP server;
//   - timings of durable writes and of link messages (stage-timings.ts);
//   - Prometheus metrics, and on the coordinator the dashboard and status, on the HTTP port;
//   - on the coordinator, a log line for each change of the cluster's state.
// The hooks are cheap and safe to call whether or not an HTTP port is configured.

import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { CoordinatorToNode, NodeToCoordinator } from "../core/cluster/types.js";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import type { Logger } from "../runtime/logger.js";
import { VERSION } from "../runtime/version.js";
import type { ReplyValue } from "../server/backend.js";
import type { RespServer } from "../server/server.js";
import type { KVStore } from "../storage/kv-store.js";
import { snapshotOf, type ClusterMachine, type ClusterSnapshot } from "./cluster-snapshot.js";
import { ClusterWatch } from "./cluster-watch.js";
import { DashboardFeed, partitionTable } from "./dashboard-feed.js";
import { Diagnostics, type DiagnosticsSettings } from "./diagnostics.js";
import { startHttp, type HttpRoute, type RunningHttp } from "./http-server.js";
import { Families } from "./metric-family.js";
import { NodeFactsBook } from "./node-facts.js";
import { type CacheCounters, registerCacheMetrics, registerClusterMetrics, registerServerMetrics, registerStageMetrics, registerStoreMetrics } from "./process-metrics.js";
import { RecentProblems } from "./recent-problems.js";
import {
  AnswerTimer, heardFromCoordinator, heardFromNode, LabelledHistograms, recordsLabel, sentToCoordinator, sentToNode,
} from "./stage-timings.js";
import { statusReply, statusReport, type StatusReport } from "./status-report.js";
import { TrafficSeries } from "./traffic-series.js";

export type ProcessRole = "coordinator" | "cluster-node" | "standalone";

export interface HttpSettings {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface ObservabilityOptions {
  role: ProcessRole;
  logger: Logger;
  /** The HTTP port for metrics (and the coordinator's dashboard); none when absent. */
  http?: HttpSettings;
  /** When set, the HTTP port needs it (basic auth). */
  password?: string;
  diagnostics?: Partial<DiagnosticsSettings>;
  /** Warnings and errors already gathered (the logger feeds it from its start). */
  problems?: RecentProblems;
}

/** What a process hands over once its RESP server listens. */
export interface ObservedProcess {
  server: RespServer;
  store: KVStore;
  cache?: () => CacheCounters;
}

/** The coordinator's machine, and the address clients reach it at. */
interface ClusterSource {
  machine: ClusterMachine;
  address(): string;
}

const SAMPLE_INTERVAL_MS = 1_000;
/** The dashboard's files by path: its page (shipped in dashboard/) and units.ts's compiled module, which it shares with `ringkv status`. */
const ASSETS: Record<string, { file: URL; type: string }> = {
  "/": { file: new URL("./dashboard/index.html", import.meta.url), type: "text/html; charset=utf-8" },
  "/dashboard.js": { file: new URL("./dashboard/dashboard.js", import.meta.url), type: "text/javascript; charset=utf-8" },
  "/dashboard.css": { file: new URL("./dashboard/dashboard.css", import.meta.url), type: "text/css; charset=utf-8" },
  "/units.js": { file: new URL("./units.js", import.meta.url), type: "text/javascript; charset=utf-8" },
};

export class Observability {
  readonly diagnostics: Diagnostics;
  readonly problems: RecentProblems;
  /** Storage nodes' reports about themselves, at the coordinator (see node-facts.ts). */
  readonly nodeFacts = new NodeFactsBook();
  readonly startedAtMs = Date.now();
  readonly #durableWrites = new LabelledHistograms();
  readonly #linkTimer = new AnswerTimer();
  readonly #logger: Logger;
  #cluster: ClusterSource | undefined;
  #http: RunningHttp | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ObservabilityOptions) {
    this.#logger = options.logger;
    this.problems = options.problems ?? new RecentProblems();
    this.diagnostics = new Diagnostics(options.diagnostics, DEFAULT_LIMITS.replyBufferBytesMax);
    this.diagnostics.onErrorReply = (command, error) => {
      // A client's own mistakes (ERR syntax, wrong type...) are not the cluster's problems; internal errors are.
      if (error.code !== "ERR" || error.message.startsWith("internal error")) {
        this.problems.add("reply", `${command.toUpperCase()}: ${error.code} ${error.message}`);
      }
    };
  }

  // ------------------------------------------------------------ hooks for the process files

  /** Times a durable write (commit + fsync) by the records it holds; returns the same promise. */
  timeDurableWrite<T>(records: ReadonlyArray<{ type: string }>, write: Promise<T>): Promise<T> {
    const startedMs = performance.now();
    const done = () => {
      const elapsedMs = performance.now() - startedMs;
      this.#durableWrites.record(recordsLabel(records), elapsedMs / 1000);
      const { latency } = this.diagnostics;
      if (latency.settings.thresholdMs > 0) latency.sample("persist", elapsedMs, Math.floor(Date.now() / 1000));
    };
    write.then(done, () => undefined);
    return write;
  }

  /** Coordinator: a message sent to a storage node over its link. */
  sentToNode(to: string, message: CoordinatorToNode): void {
    sentToNode(this.#linkTimer, to, message);
  }

  /** Coordinator: a message from a storage node. */
  heardFromNode(from: string, message: NodeToCoordinator): void {
    heardFromNode(this.#linkTimer, from, message);
  }

  /** Storage node: a message from the coordinator. */
  heardFromCoordinator(message: CoordinatorToNode): void {
    heardFromCoordinator(this.#linkTimer, message);
  }

  /** Storage node: its message to the coordinator. */
  sentToCoordinator(message: NodeToCoordinator): void {
    sentToCoordinator(this.#linkTimer, message);
  }

  /** Coordinator: where the cluster's state comes from (call before the server starts: RINGKV STATUS uses it). */
  watchCluster(machine: ClusterMachine, address: () => string): void {
    this.#cluster = { machine, address };
  }

  // ------------------------------------------------------------ what the coordinator shows

  snapshot(): ClusterSnapshot {
    const cluster = this.#requireCluster();
    return snapshotOf(cluster.machine, (id) => this.nodeFacts.get(id));
  }

  statusReport(snapshot = this.snapshot()): StatusReport {
    return statusReport(snapshot, {
      address: this.#requireCluster().address(),
      version: VERSION,
      uptimeSeconds: Math.floor((Date.now() - this.startedAtMs) / 1000),
    });
  }

  /** RINGKV STATUS. */
  statusReply(): ReplyValue {
    return statusReply(this.statusReport());
  }

  // ------------------------------------------------------------ start and stop

  /**
   * Starts the once-a-second look at the cluster (on the coordinator: it logs each change), and,
   * when an HTTP port is configured, the metrics and the dashboard on it.
   */
  async start(observed: ObservedProcess): Promise<AddressInfo | undefined> {
    const feed = this.#cluster === undefined ? undefined : this.#watchCluster();
    const http = this.options.http;
    if (http === undefined) return undefined;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const families = new Families(registry);
    const { role } = this.options;
    families.gauge("ringkv_build_info", "Always 1; the labels say what runs here.", () => [{ labels: { version: VERSION, role }, value: 1 }]);
    families.gauge("ringkv_uptime_seconds", "Seconds since the process started.", () => [{ value: Math.floor((Date.now() - this.startedAtMs) / 1000) }]);
    registerServerMetrics(families, observed.server);
    registerStoreMetrics(families, observed.store, role !== "coordinator");
    if (observed.cache !== undefined) registerCacheMetrics(families, observed.cache);
    registerStageMetrics(families, {
      durableWrites: this.#durableWrites,
      ...(role === "coordinator" ? { roundTrips: this.#linkTimer.histograms } : {}),
      ...(role === "cluster-node" ? { responses: this.#linkTimer.histograms } : {}),
    });

    const routes = new Map<string, HttpRoute>();
    routes.set("/metrics", async (_request, response) => {
      const text = await registry.metrics();
      response.writeHead(200, { "content-type": registry.contentType });
      response.end(text);
    });
    if (feed !== undefined) this.#serveCluster(families, routes, feed);
    else {
      routes.set("/", (_request, response) => text(response, 200, `ringkv ${role}: metrics at /metrics\n`));
      routes.set("/health", (_request, response) => json(response, 200, { status: "up", role }));
    }
    this.#http = await startHttp({
      host: http.host,
      port: http.port,
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
      routes,
      onError: (error, path) => this.#logger.error({ err: error, path }, "the HTTP port failed to answer"),
    });
    const address = this.#http.address();
    this.#logger.info({ url: `http://${address.address}:${address.port}/` }, role === "coordinator"
      ? "dashboard and metrics listening" : "metrics listening");
    return address;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#http?.close();
  }

  /** Once a second: log what changed in the cluster, take a traffic sample, tell the dashboards. */
  #watchCluster(): DashboardFeed {
    const series = new TrafficSeries(this.diagnostics.commands);
    const feed = new DashboardFeed(() => series.points());
    const watch = new ClusterWatch(this.#logger);
    const sample = () => {
      const point = series.sample();
      const snapshot = this.snapshot();
      watch.observe(snapshot);
      if (feed.streams === 0) return;
      const status = this.statusReport(snapshot);
      feed.publish(point, status, partitionTable(snapshot, status), this.problems.list());
    };
    sample();
    this.#timer = setInterval(sample, SAMPLE_INTERVAL_MS);
    this.#timer.unref();
    return feed;
  }

  /** The coordinator's pages: the cluster's metrics, the dashboard, its stream, the status. */
  #serveCluster(families: Families, routes: Map<string, HttpRoute>, feed: DashboardFeed): void {
    registerClusterMetrics(families, () => this.snapshot());
    for (const [path, { type, body }] of loadAssets()) {
      routes.set(path, (_request, response) => {
        response.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
        response.end(body);
      });
    }
    routes.set("/api/status", (_request, response) => json(response, 200, this.statusReport()));
    routes.set("/api/stream", (_request, response) => {
      feed.open(response);
      // A page that just connected gets the current state at once, not in a second.
      const snapshot = this.snapshot();
      const status = this.statusReport(snapshot);
      feed.publish(undefined, status, partitionTable(snapshot, status), this.problems.list());
    });
    routes.set("/health", (_request, response) => {
      const report = this.statusReport();
      json(response, report.health === "down" ? 503 : 200, { health: report.health, reasons: report.reasons, actions: report.actions });
    });
  }

  #requireCluster(): ClusterSource {
    if (this.#cluster === undefined) throw new Error("cluster views exist only on the coordinator");
    return this.#cluster;
  }
}

/** The dashboard's files, shipped next to this module (scripts/copy-assets.js copies the page's). */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    try {
      assets.set(path, { type, body: readFileSync(file) });
    } catch (error) {
      throw new Error(`the dashboard's ${file.pathname} is missing (npm run build puts it there): ${(error as Error).message}`, { cause: error });
    }
  }
  return assets;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  response.end(`${JSON.stringify(body)}\n`);
}

function text(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(body);
}
