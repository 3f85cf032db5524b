// The coordinator in a real process: its durable state in DATA (epoch, membership, commit
// decisions), the coordinator machine driven by ticks, storage nodes' links arriving on the
// client port (first byte 0x00), and the RESP front end whose commands become client events.

import type { Socket } from "node:net";
import { CoordinatorMachine } from "../core/cluster/coordinator.js";
import type { ConnectionId, CoordinatorEffect, CoordinatorEvent, CoordinatorRecord, NodeToCoordinator } from "../core/cluster/types.js";
import { Driver } from "../core/driver.js";
import type { Limits } from "../shared/limits.js";
import { storedValueLimits } from "./entry-format.js";
import { acquireDirLock } from "../storage/dir-lock.js";
import { KVStore } from "../storage/kv-store.js";
import { startRespServer } from "../server/server.js";
import { FramedLink, HANDSHAKE_TIMEOUT_MS, nodeLinkChecks } from "./cluster-link.js";
import { coordinatorChallenge, helloProves } from "./handshake-proof.js";
import { CoordinatorBackend } from "./coordinator-backend.js";
import { clusterCommands, clusterInfo } from "./coordinator-views.js";
import type { Logger } from "./logger.js";
import type { Observability } from "../observability/observability.js";
import { Ticker, writeLog } from "./machine-io.js";
import { signalParent } from "./parent-signal.js";
import { RecentValue } from "./recent-value.js";
import { coordinatorStoreWrites, readCoordinatorState } from "./records.js";
import type { RunningNode } from "./standalone-node.js";
import { VERSION } from "./version.js";
import { scrubLoggingTo } from "../storage/scrub.js";
import { replayLoggingTo } from "../storage/wal-replay.js";
import { serverTlsOptions, type TlsMaterial } from "./tls-files.js";
import { factsOf, isFactsMessage } from "../observability/node-facts.js";

/** How old the key count INFO shows may be. */
const INFO_KEY_COUNT_AGE_MS = 1_000;

export interface CoordinatorSettings {
  host: string;
  port: number;
  dataDir: string;
  secret: string;
  password?: string;
  /** TLS on the port, for clients and for nodes' links (which must present a certificate the CA signed). */
  tls?: TlsMaterial;
  replicas: number;
  /** W: the fewest in-sync replicas a partition keeps. */
  minInSync: number;
  /** A replica down this long leaves the in-sync sets. */
  replicaTimeoutMs: number;
  /** Repair (core/cluster/repair.ts): a background round this long after the last; bytes its scans may read per second. */
  repairIntervalMs: number;
  repairBytesPerSecond: number;
  /** How often tombstones every replica holds are collected. */
  tombstoneCollectIntervalMs: number;
  /** Storage nodes that must join before anything is served (at least `replicas`). */
  minNodes: number;
  /** Catch-up and partition moves: bytes copied per second at most. */
  moveBytesPerSecond: number;
  vnodes: number;
  limits: Limits;
  cache: { sets: number; ways: number; bytesMax: number };
  tickMs: number;
  logger: Logger;
  /** Metrics, dashboard, status, slow log (src/observability); hooked in below where marked. */
  observability: Observability;
}

export async function startCoordinator(settings: CoordinatorSettings): Promise<RunningNode> {
  const { logger, observability } = settings;
  const lock = await acquireDirLock(settings.dataDir);
  const store = await KVStore.open(settings.dataDir, { kind: "coordinator", limits: storedValueLimits(settings.limits), scrub: scrubLoggingTo(logger), onReplayed: replayLoggingTo(logger) }).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  const machine = new CoordinatorMachine({
    replicas: settings.replicas,
    minInSync: settings.minInSync,
    replicaTimeoutTicks: Math.ceil(settings.replicaTimeoutMs / settings.tickMs),
    repairIntervalTicks: Math.ceil(settings.repairIntervalMs / settings.tickMs),
    repairBytesPerSecond: settings.repairBytesPerSecond,
    tombstoneCollectTicks: Math.ceil(settings.tombstoneCollectIntervalMs / settings.tickMs),
    minNodes: settings.minNodes,
    catchUpBytesPerSecond: settings.moveBytesPerSecond,
    vnodesPerNode: settings.vnodes,
    cache: settings.cache,
    ticksPerSecond: Math.round(1000 / settings.tickMs),
  });
  // Storage nodes' connections, by the number the machine knows them by.
  const connections = new Map<ConnectionId, FramedLink>();
  // Observability: the node each connection that proved the secret claims to be, whose facts it
  // carries (a node sends them only once the machine has welcomed it: coordinator-link.ts).
  const nodeOfConnection = new Map<ConnectionId, string>();
  let nextConnection = 1;
  /** A node refused because it was removed: status and metrics no longer show what it last reported. */
  const forgetFactsOfRemoved = (nodeId: string | undefined): void => {
    if (nodeId !== undefined && !machine.view().members.some((member) => member.id === nodeId)) observability.nodeFacts.forget(nodeId);
  };
  const carry = (effect: Exclude<CoordinatorEffect, { kind: "persist" }>): void => {
    switch (effect.kind) {
      case "send": {
        const link = connections.get(effect.connection);
        link?.send(effect.message);
        if (link !== undefined) observability.sentToNode(String(effect.connection), effect.message); // observability
        return;
      }
      case "reply":
        backend.settle(effect.requestId, { result: effect.result });
        return;
      case "fail":
        backend.settle(effect.requestId, { error: effect.error });
        return;
      case "welcome":
        connections.get(effect.connection)?.send({ type: "welcome" });
        return;
      case "refuse": {
        const link = connections.get(effect.connection);
        link?.send({ type: "refused", reason: effect.reason });
        link?.close(`refused: ${effect.reason}`);
        forgetFactsOfRemoved(nodeOfConnection.get(effect.connection));
        return;
      }
      case "closeConnection":
        connections.get(effect.connection)?.close(effect.reason);
        return;
      case "log":
        writeLog(logger, effect);
        return;
    }
  };
  // "ready" (to a launcher, and in the log) means the machine runs: its new epoch is durable and it
  // knows its members. Before that it answers CLUSTERDOWN, and a launcher asking who the members are
  // would hear of none.
  let starting = true;
  let started = () => {};
  const running = new Promise<void>((resolve) => (started = resolve));
  const afterDurable = (durable: () => void) => () => {
    durable();
    if (starting && machine.view().state !== "starting") {
      starting = false;
      started();
    }
  };
  const driver = new Driver<CoordinatorEvent, CoordinatorEffect, CoordinatorRecord>(machine, {
    persist: (records, durable) => {
      observability.timeDurableWrite(records, store.write(coordinatorStoreWrites(records))).then(afterDurable(durable), (error: unknown) => {
        logger.fatal({ err: error }, "a durable write failed; stopping so that nothing is acknowledged falsely");
        process.exit(74);
      });
    },
    carry,
  });
  const ticker = new Ticker(settings.tickMs, (tick) => driver.feed({ kind: "tick", tick }));
  // Observability: RINGKV STATUS, the dashboard and the cluster metrics read the machine's view.
  let clientAddress = `${settings.host}:${settings.port}`;
  observability.watchCluster(machine, () => clientAddress);

  // INFO, which clients such as ioredis send on every connect, shows a key count at most
  // INFO_KEY_COUNT_AGE_MS old rather than ask every storage node each time; DBSIZE asks them.
  const backend: CoordinatorBackend = new CoordinatorBackend({
    feed: (event) => driver.feed(event),
    currentTick: () => ticker.current,
    deadlineTicks: Math.ceil(settings.limits.requestTimeoutMs / settings.tickMs),
    info: () => clusterInfo(machine),
    extraCommands: clusterCommands(machine, () => observability.statusReply(), (id) => observability.nodeFacts.get(id),
      () => backend.repair(), async (nodeId, dead) => {
        const ok = await backend.removeNode(nodeId, dead);
        // A dead node is never refused on a connection: its facts go once its removal is under way.
        if (dead) observability.nodeFacts.forget(nodeId);
        return ok;
      }),
    infoKeyCount: () => keyCount.get(),
    valueBytesMax: settings.limits.valueBytesMax,
    // A command's writes (APPEND, COPY, an EXEC of many) may outgrow its request: they must still fit one decision record.
    writeBytesMax: settings.limits.requestBytesMax,
  });
  const keyCount = new RecentValue(async () => backend.dbsize(), INFO_KEY_COUNT_AGE_MS);
  driver.feed({ kind: "recovered", ...readCoordinatorState(store) });

  // A storage node's link: its hello (with the verdict on its proof), its messages and its close
  // go to the machine, which decides who joins and which connection speaks for a node.
  const acceptNode = (socket: Socket, nodeNonce: Buffer, rest: Buffer) => {
    // [harden] Checks on every message (shapes, sizes) and the mutual proof: handshake-proof.ts.
    const link = new FramedLink(socket, nodeLinkChecks(storedValueLimits(settings.limits)));
    const connection = nextConnection++;
    connections.set(connection, link);
    const challenge = coordinatorChallenge(settings.secret, nodeNonce);
    let helloSeen = false;
    const timer = setTimeout(() => link.close("handshake timed out"), HANDSHAKE_TIMEOUT_MS);
    link.onMessage = (raw) => {
      if (helloSeen && isFactsMessage(raw)) {
        // Observability: for status and metrics, not the machine.
        const nodeId = nodeOfConnection.get(connection);
        if (nodeId !== undefined) observability.nodeFacts.report(nodeId, factsOf(raw));
        return;
      }
      if (helloSeen) {
        observability.heardFromNode(String(connection), raw as NodeToCoordinator);
        return void driver.feed({ kind: "message", connection, message: raw as NodeToCoordinator });
      }
      helloSeen = true;
      clearTimeout(timer);
      const proofValid = helloProves(settings.secret, nodeNonce, challenge.nonce, raw);
      if (!proofValid) logger.warn({ remote: socket.remoteAddress }, "a storage node failed the handshake (wrong cluster secret?)");
      else nodeOfConnection.set(connection, String((raw as { nodeId?: unknown }).nodeId));
      driver.feed({ kind: "hello", connection, hello: raw, proofValid });
    };
    link.onClose = (reason) => {
      clearTimeout(timer);
      connections.delete(connection);
      nodeOfConnection.delete(connection);
      // [harden] A node with another secret finds our proof wrong and leaves before its hello.
      if (!helloSeen) logger.warn({ remote: socket.remoteAddress, reason }, "a storage node's link closed before its hello (wrong cluster secret?)");
      driver.feed({ kind: "connectionClosed", connection });
    };
    link.send(challenge);
    link.feed(rest);
  };

  const server = await startRespServer({
    host: settings.host,
    port: settings.port,
    backend,
    limits: settings.limits,
    password: settings.password,
    tls: settings.tls && serverTlsOptions(settings.tls),
    logger,
    serverInfo: { mode: "coordinator", version: VERSION, dataDir: settings.dataDir },
    onInternalConnection: acceptNode,
    diagnostics: observability.diagnostics,
  });
  ticker.start();
  const address = server.address();
  clientAddress = `${address.address}:${address.port}`;
  const http = await observability.start({ server, store, cache: () => machine.view().cache });
  await running;
  logger.info({ host: address.address, port: address.port, data: settings.dataDir, metricsPort: http?.port }, "coordinator ready");
  signalParent({ event: "ready", port: address.port, ...(http ? { metricsPort: http.port } : {}) });
  return {
    host: address.address,
    port: address.port,
    async close() {
      ticker.stop();
      await observability.close();
      await server.close();
      backend.failAll("the coordinator is stopping");
      for (const link of connections.values()) link.close("coordinator stopping");
      await store.close();
      lock.release();
      logger.info("coordinator stopped");
    },
  };
}
