// The coordinator in a real process: its durable state in DATA (epoch, membership, commit
// decisions), the coordinator machine driven by ticks, storage nodes' links arriving on the
// client port (first byte 0x00), and the RESP front end whose commands become client events.

import type { Socket } from "node:net";
import { CoordinatorMachine } from "../core/cluster/coordinator.js";
import type { CoordinatorEffect, CoordinatorEvent, NodeToCoordinator } from "../core/cluster/types.js";
import type { Limits } from "../core/limits.js";
import { acquireDirLock } from "../storage/dir-lock.js";
import { KVStore } from "../storage/kv-store.js";
import { startRespServer } from "../server/server.js";
import { FramedLink, HANDSHAKE_TIMEOUT_MS, newChallenge, proofMatches } from "./cluster-link.js";
import { CoordinatorBackend } from "./coordinator-backend.js";
import { clusterCommands, clusterInfo, clusterKeyCount } from "./coordinator-views.js";
import { checkHello } from "./hello-check.js";
import type { Logger } from "./logger.js";
import { signalParent } from "./parent-signal.js";
import { MachineDriver } from "./machine-driver.js";
import { RecentValue } from "./recent-value.js";
import { coordinatorWrites, recoverCoordinator } from "./records.js";
import type { RunningNode } from "./standalone-node.js";
import { remoteKeyCount } from "./remote-count.js";
import { VERSION } from "./version.js";

/** How old the key count INFO shows may be. */
const INFO_KEY_COUNT_AGE_MS = 1_000;

export interface CoordinatorSettings {
  host: string;
  port: number;
  dataDir: string;
  secret: string;
  password?: string;
  replicas: number;
  /** Storage nodes that must join before anything is served (at least `replicas`). */
  minNodes: number;
  vnodes: number;
  limits: Limits;
  cache: { sets: number; ways: number; bytesMax: number };
  tickMs: number;
  logger: Logger;
}

export async function startCoordinator(settings: CoordinatorSettings): Promise<RunningNode> {
  const { logger } = settings;
  const lock = acquireDirLock(settings.dataDir);
  const store = await KVStore.open(settings.dataDir, { kind: "coordinator" }).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  const recovered = recoverCoordinator(store);
  // A new epoch before anything else, so that no transaction id of this run repeats an old one.
  const epoch = recovered.epoch + 1;
  await store.write(coordinatorWrites([{ type: "epoch", epoch }]));

  const machine = new CoordinatorMachine({
    replicas: settings.replicas,
    minNodes: settings.minNodes,
    vnodesPerNode: settings.vnodes,
    cache: settings.cache,
    ticksPerSecond: Math.round(1000 / settings.tickMs),
  });
  const links = new Map<string, FramedLink>();
  const driver: MachineDriver<CoordinatorEvent, CoordinatorEffect> = new MachineDriver(machine, (effect) => {
    switch (effect.kind) {
      case "send":
        links.get(effect.to)?.send(effect.message);
        return;
      case "persist":
        store.write(coordinatorWrites(effect.records)).then(
          () => driver.feed({ kind: "persisted", token: effect.token }),
          (error: unknown) => {
            logger.fatal({ err: error }, "a durable write failed; stopping so that nothing is acknowledged falsely");
            process.exit(74);
          },
        );
        return;
      case "reply":
        backend.settle(effect.requestId, { result: effect.result });
        return;
      case "fail":
        backend.settle(effect.requestId, { error: effect.error });
        return;
      case "refuseNode": {
        // Only ever the connection whose hello is being handled (acceptNode): taken out of `links`
        // first, so that its close is not a nodeDown of a member that may be up on another one.
        const link = links.get(effect.nodeId);
        links.delete(effect.nodeId);
        link?.send({ type: "refused", reason: effect.reason });
        link?.close(`refused: ${effect.reason}`);
        logger.warn({ nodeId: effect.nodeId, reason: effect.reason }, "refused a storage node");
        return;
      }
    }
  }, logger);

  // DBSIZE asks every storage node; INFO, which clients such as ioredis send on every connect,
  // shows a count at most INFO_KEY_COUNT_AGE_MS old rather than ask them all each time.
  const keyCount = new RecentValue(() => clusterKeyCount(machine, remoteKeyCount), INFO_KEY_COUNT_AGE_MS);
  // The driver's effects reach `backend` only from the first feed on, after it exists.
  const backend = new CoordinatorBackend({
    feed: (event) => driver.feed(event),
    currentTick: () => driver.currentTick,
    deadlineTicks: Math.ceil(settings.limits.requestTimeoutMs / settings.tickMs),
    info: () => clusterInfo(machine),
    extraCommands: clusterCommands(machine),
    dbsize: () => keyCount.fresh(),
    infoKeyCount: () => keyCount.get(),
  });
  driver.feed({ kind: "recovered", ...recovered, epoch });

  const acceptNode = (socket: Socket, firstBytes: Buffer) => {
    const link = new FramedLink(socket, settings.limits.requestBytesMax);
    const nonce = newChallenge();
    let nodeId: string | undefined;
    const timer = setTimeout(() => link.close("handshake timed out"), HANDSHAKE_TIMEOUT_MS);
    link.onMessage = (raw) => {
      if (nodeId !== undefined) {
        // Only the node's current connection speaks for it (not a refused or replaced one).
        if (links.get(nodeId) === link) driver.feed({ kind: "message", from: nodeId, message: raw as NodeToCoordinator });
        return;
      }
      const checked = checkHello(raw);
      if ("problem" in checked) {
        logger.warn({ remote: socket.remoteAddress, reason: checked.problem }, "a storage node sent a malformed hello");
        link.send({ type: "refused", reason: `malformed hello: ${checked.problem}` });
        return link.close("malformed hello");
      }
      const { hello } = checked;
      if (!proofMatches(settings.secret, nonce, hello.nodeId, hello.incarnation, hello.proof)) {
        logger.warn({ remote: socket.remoteAddress }, "a storage node failed the handshake (wrong cluster secret?)");
        link.send({ type: "refused", reason: "wrong cluster secret" });
        return link.close("failed handshake");
      }
      clearTimeout(timer);
      nodeId = hello.nodeId;
      // The new connection replaces a member's current one only once the membership takes it: a
      // process claiming a live member's id from another data directory is refused, and must not
      // cut the member off on its way out.
      const previous = links.get(nodeId);
      links.set(nodeId, link);
      link.send({ type: "welcome" });
      driver.feed({ kind: "nodeUp", node: { id: nodeId, address: hello.address, incarnation: hello.incarnation } });
      if (links.get(nodeId) === link) previous?.close("replaced by a new connection of the same node");
      else if (previous !== undefined && !previous.isClosed) links.set(nodeId, previous);
    };
    link.onClose = () => {
      clearTimeout(timer);
      if (nodeId !== undefined && links.get(nodeId) === link) {
        links.delete(nodeId);
        driver.feed({ kind: "nodeDown", nodeId });
      }
    };
    link.send({ type: "challenge", nonce });
    link.feed(firstBytes.subarray(1));
  };

  const server = await startRespServer({
    host: settings.host,
    port: settings.port,
    backend,
    limits: settings.limits,
    password: settings.password,
    logger,
    serverInfo: { mode: "coordinator", version: VERSION, dataDir: settings.dataDir },
    onInternalConnection: acceptNode,
  });
  driver.startTicks(settings.tickMs);
  const address = server.address();
  logger.info({ host: address.address, port: address.port, data: settings.dataDir, epoch }, "coordinator ready");
  signalParent({ event: "ready", port: address.port });
  return {
    host: address.address,
    port: address.port,
    async close() {
      driver.stopTicks();
      await server.close();
      backend.failAll("the coordinator is stopping");
      for (const link of links.values()) link.close("coordinator stopping");
      await store.close();
      lock.release();
      logger.info("coordinator stopped");
    },
  };
}
