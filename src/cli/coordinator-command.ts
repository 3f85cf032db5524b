// `ringkv coordinator`: the cluster's entry point for clients; storage nodes join it.

import type { Command } from "commander";
import { setsToFillBytes } from "../core/kv-cache.js";
import { startCoordinator } from "../runtime/coordinator-process.js";
import { createLogger } from "../runtime/logger.js";
import { stopOnSignals } from "./server-process.js";
import {
  gatherOptions, integerOption, limitsOption, logLevelOption, optionalString, portOption, SettingsError, stringOption, type RawOptions,
} from "./settings.js";

export const DEFAULT_COORDINATOR_PORT = 6380;
export const DEFAULT_TICK_MS = 10;

export function registerCoordinatorCommand(program: Command): void {
  program
    .command("coordinator")
    .description("run the cluster coordinator: clients connect here, storage nodes join here")
    .option("--host <address>", "address to listen on (default 127.0.0.1; env RINGKV_HOST)")
    .option("--port <port>", `port for clients and joining nodes (default ${DEFAULT_COORDINATOR_PORT})`)
    .option("--data <dir>", "data directory for membership and commit decisions (default ./data)")
    .option("--replicas <r>", "replicas of every key (default 2); fixed when the cluster first holds data")
    .option("--min-nodes <n>", "storage nodes that must join before the cluster serves (default: --replicas); the first write fixes the membership")
    .option("--vnodes <v>", "virtual nodes per storage node on the ring (default 64)")
    .option("--secret <secret>", "cluster secret that storage nodes must know (env RINGKV_SECRET; required)")
    .option("--password <password>", "require AUTH from clients (env RINGKV_PASSWORD)")
    .option("--config <file>", "JSON file of settings (flags and RINGKV_* variables override it)")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (default info)")
    .option("--max-connections <n>", "most client connections at once (default 10000)")
    .option("--request-timeout-ms <ms>", "deadline of every request (default 5000)")
    .option("--cache-bytes <n>", "coordinator cache size in bytes (default 64 MiB)")
    .addHelpText("after", `
Examples:
  RINGKV_SECRET=s3cret ringkv coordinator --port 6380 --data /var/lib/ringkv
  ringkv coordinator --host 10.0.0.1 --secret s3cret --replicas 3`)
    .action(async (flags: RawOptions) => {
      const options = gatherOptions(flags);
      const secret = optionalString(options, "secret");
      if (secret === undefined) throw new SettingsError("the coordinator needs a cluster secret: --secret or RINGKV_SECRET");
      const logger = createLogger(logLevelOption(options), { role: "coordinator" });
      const replicas = integerOption(options, "replicas", 2, 1, 16);
      const coordinator = await startCoordinator({
        host: stringOption(options, "host", "127.0.0.1"),
        port: portOption(options, "port", DEFAULT_COORDINATOR_PORT),
        dataDir: stringOption(options, "data", "./data"),
        secret,
        password: optionalString(options, "password"),
        replicas,
        minNodes: integerOption(options, "minNodes", replicas, replicas, 256),
        vnodes: integerOption(options, "vnodes", 64, 1, 4096),
        limits: limitsOption(options),
        cache: coordinatorCache(integerOption(options, "cacheBytes", 64 * 1024 * 1024)),
        tickMs: DEFAULT_TICK_MS,
        logger,
      });
      stopOnSignals(coordinator, logger);
    });
}

const COORDINATOR_CACHE_WAYS = 16;

/** The coordinator's read cache: as many sets as make its byte bound the limit (8192 for 64 MiB). */
function coordinatorCache(bytesMax: number): { sets: number; ways: number; bytesMax: number } {
  return { sets: setsToFillBytes(bytesMax, COORDINATOR_CACHE_WAYS), ways: COORDINATOR_CACHE_WAYS, bytesMax };
}
