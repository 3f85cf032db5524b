// `ringkv status`: the cluster at a glance from its coordinator — overall health and why, and one
// line per storage node (state, address, ownership, keys, data size, in-sync partitions, version,
// uptime). `--json` prints the same report as JSON (RINGKV STATUS's content). The exit code says
// the health, for scripts: 0 healthy, 1 degraded, 2 down, 3 no answer (unreachable, refused).

import type { Command } from "commander";
import { coordinatorTarget, openCoordinatorSession } from "./coordinator-session.js";
import { DEFAULT_PORT } from "../client/connect.js";
import { CLIENT_LIMITS } from "../shared/limits.js";
import { statusFromReply, type StatusReport } from "../observability/status-report.js";
import { formatStatus } from "../observability/status-format.js";
import { wantsColor } from "../observability/log-format.js";
import { integerOption, type RawOptions } from "./settings.js";

export const STATUS_EXIT = { healthy: 0, degraded: 1, down: 2, noAnswer: 3 } as const;

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("the cluster's health and every storage node's state, from the coordinator (exit 0 healthy, 1 degraded, 2 down, 3 no answer)")
    .option("--host <address>", "coordinator address (default 127.0.0.1)")
    .option("--port <port>", `coordinator port (default ${DEFAULT_PORT})`)
    .option("--password <password>", "AUTH with this password (default: env RINGKV_PASSWORD)")
    .option("--json", "print the report as JSON")
    .option("--timeout-ms <ms>", `deadline of the request (default ${CLIENT_LIMITS.requestTimeoutMs})`)
    .addHelpText("after", `
Examples:
  ringkv status
  ringkv status --port 6380 --json | jq '.nodes[] | select(.state != "up") | .id'
  ringkv status >/dev/null || echo "the cluster needs attention"`)
    .action(async (flags: RawOptions) => {
      try {
        const report = await fetchStatus(flags);
        const json = flags.json === true;
        process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, wantsColor(process.stdout)));
        process.exitCode = STATUS_EXIT[report.health];
      } catch (error) {
        process.stderr.write(`ringkv status: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = STATUS_EXIT.noAnswer;
      }
    });
}

async function fetchStatus(flags: RawOptions): Promise<StatusReport> {
  const timeoutMs = integerOption(flags, "timeoutMs", CLIENT_LIMITS.requestTimeoutMs);
  const connection = await openCoordinatorSession(coordinatorTarget(flags), timeoutMs);
  try {
    return statusFromReply(await connection.send(["RINGKV", "STATUS"], { timeoutMs }));
  } finally {
    connection.close();
  }
}
