// A standalone storage node in a real process: the data directory (locked by our pid), the LMDB
// store, the cache, and the RESP front end on top.

import { KVStore } from "../storage/kv-store.js";
import { acquireDirLock } from "../storage/dir-lock.js";
import { startRespServer, type RespServer } from "../server/server.js";
import type { Limits } from "../shared/limits.js";
import type { Logger } from "./logger.js";
import { ENTRY_OVERHEAD_BYTES_MAX } from "../core/commands/index.js";
import { ensureEntryFormat } from "./entry-format.js";
import { startExpirySweeper } from "./expiry-sweeper.js";
import type { Observability } from "../observability/observability.js";
import type { AddressInfo } from "node:net";
import { StandaloneBackend } from "./standalone-backend.js";
import { StorageEngine, type CacheOptions } from "../storage/storage-engine.js";
import { VERSION } from "./version.js";
import { scrubLoggingTo } from "../storage/scrub.js";
import { replayLoggingTo } from "../storage/wal-replay.js";
import { serverTlsOptions, type TlsMaterial } from "./tls-files.js";

export interface StandaloneNodeSettings {
  host: string;
  port: number;
  dataDir: string;
  password?: string;
  /** TLS on the client port. */
  tls?: TlsMaterial;
  /** Commands answered as unknown (an operator's way to forbid FLUSHALL, as Redis's rename-command). */
  disabledCommands?: string[];
  limits: Limits;
  cache: CacheOptions;
  logger: Logger;
  /** Metrics and slow log (src/observability). */
  observability: Observability;
}

export interface RunningNode {
  readonly host: string;
  readonly port: number;
  /** Stops taking requests, lets in-flight ones finish, closes the store, releases the directory. */
  close(): Promise<void>;
}

export async function startStandaloneNode(settings: StandaloneNodeSettings): Promise<RunningNode> {
  const { logger, observability } = settings;
  const lock = await acquireDirLock(settings.dataDir);
  let store: KVStore | undefined;
  let server: RespServer | undefined;
  let backend: StandaloneBackend | undefined;
  let http: AddressInfo | undefined;
  try {
    // A stored value is an entry: the value behind a tag and maybe a deadline.
    const valueBytesMax = settings.limits.valueBytesMax;
    store = await KVStore.open(settings.dataDir, {
      kind: "node", limits: settings.limits, valueBytesMax: valueBytesMax + ENTRY_OVERHEAD_BYTES_MAX, scrub: scrubLoggingTo(logger), onReplayed: replayLoggingTo(logger),
    });
    await ensureEntryFormat(store, logger);
    const engine = new StorageEngine(store, settings.cache);
    backend = new StandaloneBackend(engine, { valueBytesMax });
    server = await startRespServer({
      host: settings.host,
      port: settings.port,
      backend,
      limits: settings.limits,
      password: settings.password,
      tls: settings.tls && serverTlsOptions(settings.tls),
      disabledCommands: settings.disabledCommands,
      logger,
      serverInfo: { mode: "standalone", version: VERSION, dataDir: settings.dataDir },
      diagnostics: observability.diagnostics,
    });
    http = await observability.start({ server, store, cache: () => engine.cacheStats() });
  } catch (error) {
    await server?.close();
    await store?.close();
    lock.release();
    throw error;
  }
  const address = server.address();
  logger.info({ host: address.address, port: address.port, data: settings.dataDir, keys: store.count("data"), metricsPort: http?.port }, "storage node ready");
  const openStore = store;
  const openServer = server;
  const sweeper = startExpirySweeper(store, (keys) => backend.command({ kind: "deleteExpired", keys }), logger);
  return {
    host: address.address,
    port: address.port,
    async close() {
      await observability.close();
      await openServer.close();
      await sweeper.stop();
      await openStore.close();
      lock.release();
      logger.info("storage node stopped");
    },
  };
}
