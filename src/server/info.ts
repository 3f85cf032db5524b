// INFO's text: Redis's layout (`# Section` then `field:value` lines, CRLF-separated), with
// the sections the front end knows (server, clients, memory, persistence, stats,
// replication, keyspace; commandstats and errorstats when asked) merged with whatever sections
// the backend contributes.
import { arch, platform, release } from "node:os";
import type { Bytes, InfoSections } from "./backend.js";
import type { CommandContext } from "./context.js";
import { REDIS_COMPATIBLE_VERSION } from "./commands-connection.js";
import { mapMaybe, type Reply } from "./reply.js";
import { commandStatsSections } from "../observability/command-stats.js";

type Fields = Record<string, string | number>;

/** The sections INFO shows without arguments, in Redis's order. */
const DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"];

export function runInfo(ctx: CommandContext, args: Bytes[]): Reply | Promise<Reply> {
  const requested = args.slice(1).map((arg) => arg.toString().toLowerCase());
  const wantsAll = requested.length === 0 || requested.some((name) => ["all", "everything", "default"].includes(name));
  const fromBackend = ctx.server.backend.info();
  const names = wantsAll ? allSectionNames(fromBackend) : requested;
  // As in Redis, the per-command sections come only with "all", "everything" or by name.
  if (requested.some((name) => name === "all" || name === "everything")) names.push("commandstats", "errorstats");
  const needsKeyCount = names.includes("keyspace");
  return mapMaybe(needsKeyCount ? keyCountOrUnknown(ctx) : 0, (keyCount): Reply => {
    const sections = { ...ownSections(ctx, keyCount), ...commandStatsSections(ctx.server.diagnostics.commands) };
    for (const [name, fields] of Object.entries(fromBackend)) {
      sections[name] = { ...(sections[name] ?? {}), ...fields };
    }
    return renderInfo(sections, names);
  });
}

/**
 * INFO must answer even when the key count cannot be had (a cluster with a node down): clients
 * such as ioredis send INFO before anything else. The count is then left out, not guessed.
 */
function keyCountOrUnknown(ctx: CommandContext): number | undefined | Promise<number | undefined> {
  try {
    const { backend } = ctx.server;
    const count = backend.infoKeyCount !== undefined ? backend.infoKeyCount() : backend.dbsize();
    return typeof count === "number" ? count : count.catch(() => undefined);
  } catch {
    return undefined;
  }
}

function allSectionNames(fromBackend: InfoSections): string[] {
  const extra = Object.keys(fromBackend).filter((name) => !DEFAULT_SECTIONS.includes(name));
  return [...DEFAULT_SECTIONS, ...extra];
}

function ownSections(ctx: CommandContext, keyCount: number | undefined): Record<string, Fields> {
  const { server } = ctx;
  const uptimeSeconds = Math.floor((Date.now() - server.startedAtMs) / 1000);
  const memory = process.memoryUsage();
  const { mode, version, ...extraServerFields } = server.serverInfo;
  return {
    server: {
      redis_version: REDIS_COMPATIBLE_VERSION,
      redis_mode: "standalone",
      ringkv_version: version,
      ringkv_mode: mode,
      os: `${platform()} ${release()} ${arch()}`,
      arch_bits: 64,
      process_id: process.pid,
      tcp_port: server.port(),
      uptime_in_seconds: uptimeSeconds,
      uptime_in_days: Math.floor(uptimeSeconds / 86_400),
      ...extraServerFields,
    },
    clients: {
      connected_clients: server.stats.connectedClients,
      maxclients: server.limits.connectionsMax,
      blocked_clients: 0,
    },
    memory: {
      used_memory: memory.rss,
      used_memory_human: `${(memory.rss / (1024 * 1024)).toFixed(2)}M`,
      used_memory_rss: memory.rss,
      used_memory_heap: memory.heapUsed,
      maxmemory: 0,
      maxmemory_policy: "noeviction",
      // As Redis 7 with maxmemory-clients: what client buffers hold, bounded by clientBuffersBytesMax.
      mem_clients_normal: server.clientMemory.heldBytes,
      maxmemory_clients: server.clientMemory.bytesMax,
    },
    // ioredis waits until `loading:0` before it sends anything.
    // Every acknowledged write is already on disk: no snapshot or append-only file lags behind.
    persistence: {
      loading: 0, async_loading: 0, rdb_changes_since_last_save: 0, rdb_bgsave_in_progress: 0,
      rdb_last_bgsave_status: "ok", aof_enabled: 0, aof_rewrite_in_progress: 0, ringkv_sync_every_write: 1,
    },
    cpu: cpuSection(),
    stats: {
      total_connections_received: server.stats.totalConnectionsReceived,
      total_commands_processed: server.stats.totalCommandsProcessed,
      instantaneous_ops_per_sec: server.stats.instantaneousOpsPerSec(),
      rejected_connections: server.stats.rejectedConnections,
      evicted_clients: server.clientMemory.evictedClients,
    },
    replication: { role: "master", connected_slaves: 0 },
    keyspace: keyCount === undefined
      ? { keys_unknown: "a storage node is down" }
      : keyCount > 0 ? { db0: `keys=${keyCount},expires=0,avg_ttl=0` } : {},
  };
}

/** CPU time of this process, in seconds, as Redis's `# CPU` shows it. */
function cpuSection(): Fields {
  const usage = process.cpuUsage();
  return {
    used_cpu_sys: (usage.system / 1e6).toFixed(6),
    used_cpu_user: (usage.user / 1e6).toFixed(6),
    used_cpu_sys_children: "0.000000",
    used_cpu_user_children: "0.000000",
  };
}

/** Sections in the order asked; a name nobody knows adds nothing (as in Redis). */
export function renderInfo(sections: Record<string, Fields>, names: string[]): string {
  const parts: string[] = [];
  for (const name of new Set(names)) {
    const fields = sections[name];
    if (!fields) continue;
    let text = `# ${name.charAt(0).toUpperCase()}${name.slice(1)}\r\n`;
    for (const [field, value] of Object.entries(fields)) text += `${field}:${value}\r\n`;
    parts.push(text);
  }
  return parts.join("\r\n");
}
