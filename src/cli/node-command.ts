// `ringkv node`: a storage node. Without --join it runs alone, as a single-node server.

import type { Command } from "commander";
import { cacheShape } from "../core/kv-cache.js";
import { addObservabilityOptions, observabilityFromOptions } from "../observability/options.js";
import { startClusterNode } from "../runtime/cluster-node.js";
import { startStandaloneNode, type RunningNode } from "../runtime/standalone-node.js";
import { DEFAULTS } from "../shared/defaults.js";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import { checkProtectedMode, passwordOption, secretOption, tlsOption, warnAbout } from "./credentials.js";
import { stopOnSignals } from "./server-process.js";
import {
  gatherOptions, integerOption, limitsOption, optionalString, portOption, SettingsError, stringOption, type RawOptions,
} from "./settings.js";

export function registerNodeCommand(program: Command): void {
  const command = program.command("node");
  addObservabilityOptions(command, false);
  command
    .description("run a storage node (alone, as a single-node server, unless --join is given)")
    .option("--host <address>", `address to listen on (default ${DEFAULTS.host}; env RINGKV_HOST)`)
    .option("--port <port>", `RESP port (default ${DEFAULTS.nodePort}, not the coordinator's ${DEFAULTS.coordinatorPort}; env RINGKV_PORT)`)
    .option("--data <dir>", `data directory (default ${DEFAULTS.dataDir}; env RINGKV_DATA)`)
    .option("--password <password>", "require AUTH with this password (env RINGKV_PASSWORD; shows in ps: prefer --password-file)")
    .option("--password-file <file>", "read the password from this file (env RINGKV_PASSWORD_FILE)")
    .option("--protected-mode <yes|no>", "yes (default): refuse to listen beyond loopback without a password")
    .option("--tls-cert <file>", "serve TLS with this certificate (PEM; env RINGKV_TLS_CERT)")
    .option("--tls-key <file>", "the certificate's private key (PEM; env RINGKV_TLS_KEY)")
    .option("--tls-ca <file>", "the CA that signs the cluster's certificates: nodes' links are checked against it (env RINGKV_TLS_CA)")
    .option("--join <host:port>", "join the cluster whose coordinator is at host:port")
    .option("--secret <secret>", "the cluster secret, needed to join (env RINGKV_SECRET; shows in ps: prefer --secret-file)")
    .option("--secret-file <file>", "read the cluster secret from this file (env RINGKV_SECRET_FILE)")
    .option("--id <id>", "the id to join under (default: kept in the data directory, or a new one)")
    .option("--config <file>", "JSON file of settings (flags and RINGKV_* variables override it)")
    .option("--log-level <level>", `fatal, error, warn, info, debug, trace or silent (default ${DEFAULTS.logLevel})`)
    .option("--max-connections <n>", `most client connections at once (default ${DEFAULT_LIMITS.connectionsMax})`)
    .option("--idle-timeout-ms <ms>", `close a client connection idle this long; 0: never (default ${DEFAULT_LIMITS.idleTimeoutMs})`)
    .option("--client-buffers-bytes-max <n>", `bytes all client connections may hold together; past it the largest are disconnected (default ${DEFAULT_LIMITS.clientBuffersBytesMax / 2 ** 20} MiB)`)
    .option("--key-bytes-max <n>", `largest key in bytes (default ${DEFAULT_LIMITS.keyBytesMax})`)
    .option("--value-bytes-max <n>", `largest value in bytes (default ${DEFAULT_LIMITS.valueBytesMax})`)
    .option("--cache-sets <n>", "cache sets (default: as many as fill --cache-bytes)")
    .option("--cache-ways <n>", `entries per cache set (default ${DEFAULTS.cacheWays})`)
    .option("--cache-bytes <n>", `cache size in bytes (default ${DEFAULTS.cacheBytes / 2 ** 20} MiB)`)
    .option("--disable-commands <names>", "commands to refuse as unknown, comma-separated, e.g. flushall,flushdb (standalone; env RINGKV_DISABLE_COMMANDS)")
    .addHelpText("after", `
Examples:
  ringkv node --data ./n1                      # a single-node server on 127.0.0.1:${DEFAULTS.nodePort}
  RINGKV_SECRET=s3cret ringkv node --join 10.0.0.1:${DEFAULTS.coordinatorPort} --host 10.0.0.2 --data /var/lib/ringkv
  RINGKV_PASSWORD=secret ringkv node --data /var/lib/ringkv --log-level warn`)
    .action(async (flags: RawOptions) => {
      const options = gatherOptions(flags);
      const join = optionalString(options, "join");
      const host = stringOption(options, "host", DEFAULTS.host);
      const password = passwordOption(options, flags);
      checkProtectedMode(options, host, password);
      const { logger, observability } = observabilityFromOptions(options, join === undefined ? "standalone" : "cluster-node", { role: "node" }, password?.value);
      const common = {
        host,
        password: password?.value,
        tls: tlsOption(options),
        port: portOption(options, "port", DEFAULTS.nodePort),
        dataDir: stringOption(options, "data", DEFAULTS.dataDir),
        limits: limitsOption(options),
        cache: cacheShape({
          sets: options.cacheSets === undefined ? undefined : integerOption(options, "cacheSets", 1),
          ways: integerOption(options, "cacheWays", DEFAULTS.cacheWays),
          bytesMax: integerOption(options, "cacheBytes", DEFAULTS.cacheBytes),
        }),
        logger,
        observability,
      };
      let node: RunningNode;
      warnAbout(logger, "password", password);
      if (join === undefined) {
        const disabledCommands = (optionalString(options, "disableCommands") ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(Boolean);
        node = await startStandaloneNode({ ...common, disabledCommands });
      } else {
        const secret = secretOption(options, flags);
        if (secret === undefined) throw new SettingsError("joining a cluster needs its secret: --secret-file, RINGKV_SECRET or --secret");
        warnAbout(logger, "secret", secret);
        node = await startClusterNode({
          ...common, join: parseHostPort(join), secret: secret.value, nodeId: optionalString(options, "id"), tickMs: DEFAULTS.tickMs,
        });
      }
      stopOnSignals(node, logger);
    });
}

function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) throw new SettingsError(`--join must be host:port, got "${text}"`);
  return { host: match[1]!, port };
}
