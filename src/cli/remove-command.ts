// `ringkv remove NODE [--dead]`: takes a storage node out of the cluster through its coordinator
// (RINGKV REMOVE). A live node's partitions move off it first; `--dead` is for a node whose disk is
// gone: the other replicas copy its partitions. The coordinator refuses a removal that would leave
// a partition with fewer than W live copies, and the reason is printed. Then, unless --no-wait, it
// follows the move (RINGKV MOVES) until it is done, with a progress bar at a terminal.

import type { Command } from "commander";
import { coordinatorTarget, openCoordinatorSession } from "./coordinator-session.js";
import { DEFAULT_PORT } from "../client/connect.js";
import { CLIENT_LIMITS } from "../shared/limits.js";
import { followMoves } from "./move-progress.js";
import { integerOption, type RawOptions } from "./settings.js";

export function registerRemoveCommand(program: Command): void {
  program
    .command("remove <node-id>")
    .description("remove a storage node from the cluster: its partitions move off it first (or, with --dead, are copied from the other replicas)")
    .option("--dead", "the node's disk is gone for good: re-replicate its partitions from the surviving replicas")
    .option("--host <address>", "coordinator address (default 127.0.0.1)")
    .option("--port <port>", `coordinator port (default ${DEFAULT_PORT})`)
    .option("--password <password>", "AUTH with this password (default: env RINGKV_PASSWORD)")
    .option("--no-wait", "return once the removal has started, without following the move")
    .option("--timeout-ms <ms>", `deadline of each request (default ${CLIENT_LIMITS.requestTimeoutMs})`)
    .addHelpText("after", `
Examples:
  ringkv remove node-2              # decommission: its data moves to the other nodes, then it stops
  ringkv remove node-3 --dead       # node-3's disk is lost: copy its partitions from the survivors
  ringkv cli RINGKV REMOVE node-2   # the same through any Redis client (RINGKV MOVES shows progress)`)
    .action(async (nodeId: string, flags: RawOptions) => {
      try {
        await removeNode(nodeId, flags);
      } catch (error) {
        process.stderr.write(`ringkv remove: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    });
}

async function removeNode(nodeId: string, flags: RawOptions): Promise<void> {
  const timeoutMs = integerOption(flags, "timeoutMs", CLIENT_LIMITS.requestTimeoutMs);
  const connection = await openCoordinatorSession(coordinatorTarget(flags), timeoutMs);
  try {
    await connection.send(["RINGKV", "REMOVE", nodeId, ...(flags.dead === true ? ["DEAD"] : [])], { timeoutMs });
    process.stdout.write(`removing ${nodeId}: ${flags.dead === true ? "its partitions are copied from the other replicas" : "its partitions move off it first"}\n`);
    if (flags.wait === false) return;
    await followMoves(connection, timeoutMs);
    process.stdout.write(`${nodeId} is out of the cluster${flags.dead === true ? "" : "; it has stopped or may be stopped now"}\n`);
  } finally {
    connection.close();
  }
}
