// A storage node that belongs to a cluster (`ringkv node --join HOST:PORT`): the participant
// machine of two-phase commit, driven in this process over the node's LMDB store, linked to the
// coordinator. Its own RESP port stays open for PING/INFO/DBSIZE, but data commands are refused
// there: in a cluster, only the coordinator gives linearizable reads and atomic writes.

import { ParticipantMachine } from "../core/cluster/participant.js";
import type { CoordinatorToNode, ParticipantEffect, ParticipantEvent, ParticipantRecord } from "../core/cluster/types.js";
import { Driver } from "../core/driver.js";
import { RingkvError } from "../shared/errors.js";
import type { Limits } from "../shared/limits.js";
import { acquireDirLock } from "../storage/dir-lock.js";
import { KVStore } from "../storage/kv-store.js";
import type { Backend } from "../server/backend.js";
import { startRespServer } from "../server/server.js";
import { CoordinatorLink } from "./coordinator-link.js";
import { ensureEntryFormat, storedValueLimits } from "./entry-format.js";
import { startExpirySweeper } from "./expiry-sweeper.js";
import type { Logger } from "./logger.js";
import type { Observability } from "../observability/observability.js";
import { localNodeFacts, reportNodeFacts } from "../observability/node-facts.js";
import { signalParent } from "./parent-signal.js";
import { Ticker, writeLog } from "./machine-io.js";
import { settleNodeId } from "./node-identity.js";
import { backfillVersions, participantStoreWrites, readOrDamaged, readParticipantState, scanEntries, storedVersion } from "./records.js";
import type { RunningNode } from "./standalone-node.js";
import { StorageEngine, type CacheOptions } from "../storage/storage-engine.js";
import { VERSION } from "./version.js";
import { scrubLoggingTo } from "../storage/scrub.js";
import { replayLoggingTo } from "../storage/wal-replay.js";
import { clientTlsOptions, serverTlsOptions, type TlsMaterial } from "./tls-files.js";

export interface ClusterNodeSettings {
  host: string;
  port: number;
  dataDir: string;
  join: { host: string; port: number };
  secret: string;
  /** The cluster's client password: the node's own port (INFO, CLIENT LIST, CONFIG GET...) asks for it too. */
  password?: string;
  /** TLS on the node's own port and on its link to the coordinator (whose certificate it checks against the CA). */
  tls?: TlsMaterial;
  /** The id to register under; defaults to the one kept in the data directory, or a new one. */
  nodeId?: string;
  limits: Limits;
  cache: CacheOptions;
  tickMs: number;
  logger: Logger;
  /** Metrics and slow log (src/observability); hooked in below where marked. */
  observability: Observability;
}

export async function startClusterNode(settings: ClusterNodeSettings): Promise<RunningNode> {
  const { observability } = settings;
  const lock = await acquireDirLock(settings.dataDir);
  const store = await KVStore.open(settings.dataDir, { kind: "node", limits: storedValueLimits(settings.limits), scrub: scrubLoggingTo(settings.logger), onReplayed: replayLoggingTo(settings.logger) }).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  const { nodeId, incarnation } = await settleNodeId(store, settings.nodeId);
  const logger = settings.logger.child({ nodeId });
  const backfilled = await backfillVersions(store);
  if (backfilled > 0) logger.info({ keys: backfilled }, "gave the keys stored before versions were kept the oldest version");
  // The coordinator runs commands over entries (typed, with deadlines): raw values from before become string entries.
  await ensureEntryFormat(store, logger);
  // Writes drop their keys from the node's cache instead of filling it, and a prepare's look at
  // the keys it is about to replace does not fill it either: only the coordinator's replica reads
  // do. Copying every written value into the cache (and every overwritten one, at prepare) was a
  // quarter of the nodes' CPU per write (measured: about 220 -> 170 us per put over 3 nodes),
  // mostly garbage that outlived the young generation; and those copies evicted the keys read.
  const engine = new StorageEngine(store, settings.cache, { fillCacheOnWrite: false });
  const machine = new ParticipantMachine({ nodeId }, {
    get: (key) => readOrDamaged(() => engine.get(Buffer.from(key.buffer, key.byteOffset, key.byteLength))),
    peek: (key) => readOrDamaged(() => engine.peek(Buffer.from(key.buffer, key.byteOffset, key.byteLength))),
    count: () => engine.count(),
    version: (key) => storedVersion(store, key),
    scan: (after, wanted, bytesMax) => scanEntries(store, after, wanted, bytesMax),
  });

  const server = await startRespServer({
    host: settings.host,
    port: settings.port,
    backend: clusterMemberBackend(engine, `${settings.join.host}:${settings.join.port}`),
    limits: settings.limits,
    password: settings.password,
    tls: settings.tls && serverTlsOptions(settings.tls),
    logger,
    serverInfo: { mode: "cluster-node", version: VERSION, dataDir: settings.dataDir },
    diagnostics: observability.diagnostics,
  });
  const address = server.address();
  // The link's callbacks reach `driver` only after link.start(), when it exists.
  const link = new CoordinatorLink({
    host: settings.join.host,
    port: settings.join.port,
    secret: settings.secret,
    nodeId,
    incarnation,
    address: `${address.address}:${address.port}`,
    limits: storedValueLimits(settings.limits),
    tls: settings.tls && clientTlsOptions(settings.tls, settings.join.host),
    logger,
    onConnected: () => {
      signalParent({ event: "joined" });
      driver.feed({ kind: "connected" });
      facts.now(); // observability: a coordinator that just (re)started learns them at once
    },
    onMessage: (message) => {
      observability.heardFromCoordinator(message as CoordinatorToNode);
      driver.feed({ kind: "message", message: message as CoordinatorToNode });
    },
    onRefused: (reason) => {
      logger.fatal({ reason }, "the coordinator refused this node");
      process.exitCode = 78;
      void running.close();
    },
  });
  // Observability: keys, data size, version and uptime for the coordinator's status and metrics.
  const facts = reportNodeFacts(() => localNodeFacts(store, observability.startedAtMs), (message) => link.send(message),
    (error) => logger.warn({ err: error }, "could not gather this node's facts for the coordinator's status"));
  const driver = new Driver<ParticipantEvent, ParticipantEffect, ParticipantRecord>(machine, {
    persist: (records, durable) => {
      const { data, extra } = participantStoreWrites(records);
      observability.timeDurableWrite(records, engine.write(data, extra)).then(durable, (error: unknown) => failStop(logger, error));
    },
    carry: (effect) => {
      if (effect.kind === "send") {
        link.send(effect.message);
        observability.sentToCoordinator(effect.message); // observability
      } else writeLog(logger, effect);
    },
  });
  const ticker = new Ticker(settings.tickMs, (tick) => driver.feed({ kind: "tick", tick }));
  driver.feed({ kind: "recovered", ...readParticipantState(store) });
  link.start();
  ticker.start();
  // Reported to the coordinator, which deletes them if they have expired by its clock (a node's clock never decides).
  const sweeper = startExpirySweeper(store, (keys) => link.send({ type: "expired", keys }), logger);
  const http = await observability.start({ server, store, cache: () => engine.cacheStats() });
  logger.info({ host: address.address, port: address.port, data: settings.dataDir, keys: engine.count(), metricsPort: http?.port }, "storage node ready");
  signalParent({ event: "ready", port: address.port, ...(http ? { metricsPort: http.port } : {}) });

  const running: RunningNode = {
    host: address.address,
    port: address.port,
    async close() {
      ticker.stop();
      facts.stop();
      await sweeper.stop();
      await observability.close();
      link.stop();
      await server.close();
      await store.close();
      lock.release();
      logger.info("storage node stopped");
    },
  };
  return running;
}

/** A disk that fails a write cannot be trusted with the next one: stop rather than guess. */
function failStop(logger: Logger, error: unknown): never {
  logger.fatal({ err: error }, "a durable write failed; stopping so that nothing is acknowledged falsely");
  process.exit(74);
}

function clusterMemberBackend(engine: StorageEngine, coordinator: string): Backend {
  const refuse = (): never => {
    throw new RingkvError("READONLY", `this storage node belongs to the cluster at ${coordinator}; send reads and writes to the coordinator there`);
  };
  return {
    command: async () => refuse(),
    dbsize: async () => engine.count(),
    info: () => ({ cluster: { cluster_enabled: 1, role: "storage-node", coordinator } }),
  };
}
