// `ringkv coordinator`: the cluster's entry point for clients; storage nodes join it.

import type { Command } from "commander";
import { cacheShape } from "../core/kv-cache.js";
import { startCoordinator } from "../runtime/coordinator-process.js";
import { addObservabilityOptions, observabilityFromOptions } from "../observability/options.js";
import { DEFAULTS } from "../shared/defaults.js";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import { checkProtectedMode, passwordOption, secretOption, tlsOption, warnAbout } from "./credentials.js";
import { addMoveRepairOptions, moveRepairSettings } from "./move-repair-options.js";
import { stopOnSignals } from "./server-process.js";
import {
  gatherOptions, integerOption, limitsOption, portOption, SettingsError, stringOption, type RawOptions,
} from "./settings.js";

export function registerCoordinatorCommand(program: Command): void {
  const command = program.command("coordinator");
  addObservabilityOptions(command, true);
  addMoveRepairOptions(command)
    .description("run the cluster coordinator: clients connect here, storage nodes join here")
    .option("--host <address>", `address to listen on (default ${DEFAULTS.host}; env RINGKV_HOST)`)
    .option("--port <port>", `port for clients and joining nodes (default ${DEFAULTS.coordinatorPort})`)
    .option("--data <dir>", `data directory for membership and commit decisions (default ${DEFAULTS.dataDir})`)
    .option("--replicas <r>", `replicas of every key (default ${DEFAULTS.replicas}); fixed when the cluster first holds data`)
    .option("--min-in-sync <w>", `fewest in-sync replicas a partition keeps when replicas die (default ${DEFAULTS.minInSync}, at most --replicas); every acknowledged write is on at least W disks`)
    .option("--replica-timeout <ms>", `a replica down this long leaves the in-sync sets, so writes go on without it (default ${DEFAULTS.replicaTimeoutMs})`)
    .option("--tombstone-collect-interval <ms>", "how often deletions every replica of a partition holds are collected (default 10000); repair can bring back a deletion undone on one replica only while the others still hold it")
    .option("--min-nodes <n>", "storage nodes that must join before the cluster serves (default: --replicas); the first write fixes the membership")
    .option("--vnodes <v>", `virtual nodes per storage node on the ring (default ${DEFAULTS.vnodesPerNode})`)
    .option("--secret <secret>", "cluster secret that storage nodes must know, at least 16 bytes (env RINGKV_SECRET; shows in ps: prefer --secret-file)")
    .option("--secret-file <file>", "read the cluster secret from this file (env RINGKV_SECRET_FILE)")
    .option("--password <password>", "require AUTH from clients (env RINGKV_PASSWORD; shows in ps: prefer --password-file)")
    .option("--password-file <file>", "read the password from this file (env RINGKV_PASSWORD_FILE)")
    .option("--protected-mode <yes|no>", "yes (default): refuse to listen beyond loopback without a password")
    .option("--tls-cert <file>", "serve TLS with this certificate (PEM; env RINGKV_TLS_CERT)")
    .option("--tls-key <file>", "the certificate's private key (PEM; env RINGKV_TLS_KEY)")
    .option("--tls-ca <file>", "the CA that signs the cluster's certificates: nodes' links are checked against it (env RINGKV_TLS_CA)")
    .option("--config <file>", "JSON file of settings (flags and RINGKV_* variables override it)")
    .option("--log-level <level>", `fatal, error, warn, info, debug, trace or silent (default ${DEFAULTS.logLevel})`)
    .option("--max-connections <n>", `most client connections at once (default ${DEFAULT_LIMITS.connectionsMax})`)
    .option("--idle-timeout-ms <ms>", `close a client connection idle this long; 0: never (default ${DEFAULT_LIMITS.idleTimeoutMs})`)
    .option("--client-buffers-bytes-max <n>", `bytes all client connections may hold together; past it the largest are disconnected (default ${DEFAULT_LIMITS.clientBuffersBytesMax / 2 ** 20} MiB)`)
    .option("--request-timeout-ms <ms>", `deadline of every request (default ${DEFAULT_LIMITS.requestTimeoutMs})`)
    .option("--cache-bytes <n>", `coordinator cache size in bytes (default ${DEFAULTS.cacheBytes / 2 ** 20} MiB)`)
    .addHelpText("after", `
Examples:
  RINGKV_SECRET=s3cret ringkv coordinator --port ${DEFAULTS.coordinatorPort} --data /var/lib/ringkv
  ringkv coordinator --host 10.0.0.1 --secret s3cret --replicas 3
  ringkv coordinator --metrics-port ${DEFAULTS.metricsPort}   # dashboard at http://127.0.0.1:${DEFAULTS.metricsPort}/, metrics at /metrics`)
    .action(async (flags: RawOptions) => {
      const options = gatherOptions(flags);
      const secret = secretOption(options, flags);
      if (secret === undefined) throw new SettingsError("the coordinator needs a cluster secret: --secret-file, RINGKV_SECRET or --secret");
      const host = stringOption(options, "host", DEFAULTS.host);
      const password = passwordOption(options, flags);
      checkProtectedMode(options, host, password);
      const { logger, observability } = observabilityFromOptions(options, "coordinator", { role: "coordinator" }, password?.value);
      warnAbout(logger, "secret", secret);
      warnAbout(logger, "password", password);
      const replicas = integerOption(options, "replicas", DEFAULTS.replicas, 1, 16);
      const minInSync = integerOption(options, "minInSync", Math.min(DEFAULTS.minInSync, replicas), 1, replicas);
      if (minInSync === 1 && replicas > 1) {
        logger.warn({ replicas, minInSync }, "--min-in-sync 1: with a replica down, an acknowledged write may rest on a single disk");
      }
      const coordinator = await startCoordinator({
        host,
        port: portOption(options, "port", DEFAULTS.coordinatorPort),
        dataDir: stringOption(options, "data", DEFAULTS.dataDir),
        secret: secret.value,
        password: password?.value,
        tls: tlsOption(options),
        replicas,
        minInSync,
        replicaTimeoutMs: integerOption(options, "replicaTimeout", DEFAULTS.replicaTimeoutMs, 1, 3_600_000),
        tombstoneCollectIntervalMs: integerOption(options, "tombstoneCollectInterval", DEFAULTS.tombstoneCollectIntervalMs, 100, 7 * 24 * 3_600_000),
        minNodes: integerOption(options, "minNodes", replicas, replicas, 256),
        ...moveRepairSettings(options),
        vnodes: integerOption(options, "vnodes", DEFAULTS.vnodesPerNode, 1, 4096),
        limits: limitsOption(options),
        // As many sets as fill the bytes (8192 for 64 MiB): the byte bound, not the entry count, limits it.
        cache: cacheShape({ bytesMax: integerOption(options, "cacheBytes", DEFAULTS.cacheBytes) }),
        tickMs: DEFAULTS.tickMs,
        logger,
        observability,
      });
      stopOnSignals(coordinator, logger);
    });
}
