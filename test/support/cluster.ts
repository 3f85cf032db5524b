// A ringkv cluster of real processes for end-to-end tests: one coordinator and N storage nodes,
// each started individually (not through `ringkv start`), so a test knows every pid and can
// kill -9 and restart any one of them. Every port is chosen by the OS (--port 0); a restarted
// coordinator comes back on the port it had, because the storage nodes redial that address.

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import { killHard, startRingkv, tempDir, type RingkvProcess } from "./ringkv-process.js";

export interface ClusterOptions {
  nodes: number;
  replicas: number;
  /** Extra flags for the coordinator, e.g. ["--cache-bytes", "524288"]. */
  coordinatorArgs?: string[];
  /** The coordinator's --password; the helpers here AUTH with it. */
  password?: string;
  /** Extra flags for every storage node, e.g. ["--metrics-port", "0"]. */
  nodeArgs?: string[];
}

/** One row of `RINGKV NODES`. */
export interface NodeRow {
  id: string;
  address: string;
  state: "up" | "down";
  joined: number;
  /** Partitions it is the primary of. */
  primary_partitions: number;
  /** Partitions it replicates, and of those the ones it is in sync for (it catches up on the rest). */
  replica_partitions: number;
  in_sync_partitions: number;
  /** What the node last reported about itself ("-" until it has). */
  keys: number | "-";
  version: string;
}

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
/** A restarted coordinator's port may be briefly taken by someone's outgoing connection. */
const RESTART_ATTEMPTS_MAX = 5;
/**
 * A coordinator cache of 512 bytes has one set of 512 bytes, where no entry fits (every entry
 * costs 512 bytes of overhead plus its key and value), so every read goes to a storage node.
 */
export const NO_CACHE_ARGS = ["--cache-bytes", "512"];

export class TestCluster {
  readonly nodes = new Map<string, RingkvProcess>();
  coordinator!: RingkvProcess;
  port = 0;

  private constructor(
    readonly dataDir: string,
    readonly secret: string,
    private readonly options: ClusterOptions,
    private readonly removeDir: () => void,
  ) {}

  /** Starts the coordinator, then node-1 ... node-N, and resolves once every node is up. */
  static async start(options: ClusterOptions): Promise<TestCluster> {
    const dir = tempDir("cluster");
    const cluster = new TestCluster(dir.path, randomBytes(16).toString("hex"), options, dir.remove);
    try {
      await cluster.startCoordinator(0);
      await Promise.all(cluster.nodeIds().map((id) => cluster.startNode(id)));
      await cluster.waitForNodesUp();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  nodeIds(): string[] {
    return Array.from({ length: this.options.nodes }, (_, i) => `node-${i + 1}`);
  }

  /** The environment of every process: the secret goes through RINGKV_SECRET, not argv. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, RINGKV_SECRET: this.secret };
  }

  async killNode(id: string): Promise<void> {
    await killHard(this.nodeProcess(id));
  }

  /** Starts node `id` again over its data directory (a new port) and waits until it is up. */
  async restartNode(id: string): Promise<void> {
    await this.startNode(id);
    await this.waitForNodesUp([id]);
  }

  async killCoordinator(): Promise<void> {
    await killHard(this.coordinator);
  }

  /** Starts the coordinator again on its port and data; the nodes re-register by themselves. */
  async restartCoordinator(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startCoordinator(this.port);
        return;
      } catch (error) {
        if (attempt >= RESTART_ATTEMPTS_MAX || !/EADDRINUSE/.test(String(error))) throw error;
        await sleep(200);
      }
    }
  }

  /** Waits until the coordinator lists every node of `ids` as joined and up. */
  async waitForNodesUp(ids = this.nodeIds(), timeoutMs = START_TIMEOUT_MS): Promise<NodeRow[]> {
    let rows: NodeRow[] = [];
    await waitUntil(`nodes ${ids.join(", ")} up at the coordinator`, async () => {
      rows = await nodesView(this.port, this.options.password);
      return ids.every((id) => rows.some((row) => row.id === id && row.state === "up" && row.joined === 1));
    }, timeoutMs);
    return rows;
  }

  /** An ioredis client of the coordinator that fails fast instead of queueing or retrying. */
  client(): Redis {
    return connectClient(this.port, this.options.password);
  }


  /** Where node `id` keeps its data. */
  nodeDataDir(id: string): string {
    return join(this.dataDir, id);
  }

  nodeProcess(id: string): RingkvProcess {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id} in this cluster`);
    return node;
  }

  /** Every process still running, coordinator first. */
  processes(): RingkvProcess[] {
    return [this.coordinator, ...this.nodes.values()].filter((p) => p !== undefined && isRunning(p));
  }

  /** SIGTERM to every process (SIGKILL after a grace period); resolves with their exit codes. */
  async stop(): Promise<Array<number | string>> {
    try {
      return await Promise.all(this.processes().map((p) => stopWithin(p, STOP_GRACE_MS)));
    } finally {
      this.removeDir();
    }
  }

  private async startCoordinator(port: number): Promise<void> {
    const args = [
      "coordinator", "--port", String(port), "--data", join(this.dataDir, "coordinator"), "--log-level", "info",
      "--replicas", String(this.options.replicas), "--min-nodes", String(this.options.nodes), ...(this.options.coordinatorArgs ?? []),
      ...(this.options.password === undefined ? [] : ["--password", this.options.password]),
    ];
    this.coordinator = await startRingkv(args, "coordinator ready", START_TIMEOUT_MS, this.env);
    this.port = this.coordinator.port;
  }

  private async startNode(id: string): Promise<void> {
    const args = [
      "node", "--join", `127.0.0.1:${this.port}`, "--port", "0", "--data", this.nodeDataDir(id), "--id", id, "--log-level", "info",
      ...(this.options.nodeArgs ?? []),
    ];
    this.nodes.set(id, await startRingkv(args, "storage node ready", START_TIMEOUT_MS, this.env));
  }
}

/** An ioredis client that fails fast instead of queueing, retrying or re-sending a request. */
export function connectClient(port: number, password?: string): Redis {
  return new Redis({
    host: "127.0.0.1", port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null,
    enableOfflineQueue: false, autoResendUnfulfilledCommands: false, connectTimeout: 2_000,
  });
}

/** Sends one command over a connection of its own (so it works across coordinator restarts). */
export async function coordinatorCommand(port: number, ...args: string[]): Promise<unknown> {
  return commandOnce(port, undefined, args);
}

async function commandOnce(port: number, password: string | undefined, args: string[]): Promise<unknown> {
  const client = connectClient(port, password);
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** `RINGKV NODES` as rows (over RESP2 each node is a flat list of field, value, ...). */
export async function nodesView(port: number, password?: string): Promise<NodeRow[]> {
  const reply = (await commandOnce(port, password, ["RINGKV", "NODES"])) as unknown[][];
  return reply.map((flat) => pairsToObject(flat) as unknown as NodeRow);
}

/** The ids of a key's replicas in ring order (the first is the primary), from `RINGKV LOCATE`. */
export async function replicasOf(client: Redis, key: string): Promise<string[]> {
  const reply = pairsToObject((await client.call("RINGKV", "LOCATE", key)) as unknown[]);
  return (reply.replicas as unknown[][]).map((flat) => String(pairsToObject(flat).id));
}

/** Keys named `${prefix}${n}`, grouped by primary node, until each primary has `perPrimary`. */
export async function keysByPrimary(client: Redis, prefix: string, primaries: number, perPrimary: number): Promise<Map<string, string[]>> {
  const byPrimary = new Map<string, string[]>();
  const full = () => byPrimary.size === primaries && [...byPrimary.values()].every((keys) => keys.length >= perPrimary);
  for (let n = 0; !full(); n++) {
    if (n > primaries * perPrimary * 50) throw new Error(`no ${perPrimary} keys per primary among ${n} candidates`);
    const key = `${prefix}${n}`;
    const primary = (await replicasOf(client, key))[0]!;
    const keys = byPrimary.get(primary) ?? [];
    if (keys.length < perPrimary) byPrimary.set(primary, [...keys, key]);
  }
  return byPrimary;
}

/** `count` groups of keys for MSETs: each holds one key of every primary (`primaries` nodes), so each MSET spans them all. */
export async function groupsAcrossPrimaries(cluster: TestCluster, primaries: number, count: number): Promise<string[][]> {
  const admin = cluster.client();
  await admin.connect();
  try {
    const byPrimary = [...(await keysByPrimary(admin, "g:", primaries, count)).values()];
    return Array.from({ length: count }, (_, group) => byPrimary.map((keys) => keys[group]!));
  } finally {
    admin.disconnect();
  }
}

/** The fields of one INFO section, e.g. infoFields(client, "cluster").storage_nodes_up. */
export async function infoFields(client: Redis, section: string): Promise<Record<string, string>> {
  const text = await client.info(section);
  const fields: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Polls `condition` (errors count as "not yet") until true; throws after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `; last error: ${String(lastError)}` : ""}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isRunning(p: RingkvProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

async function stopWithin(p: RingkvProcess, graceMs: number): Promise<number | string> {
  const killer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  p.child.kill("SIGTERM");
  const code = await p.exited;
  clearTimeout(killer);
  return code;
}

function pairsToObject(flat: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) object[String(flat[i])] = flat[i + 1];
  return object;
}
