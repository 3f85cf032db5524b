// `ringkv repair`: asks the coordinator for a repair round (RINGKV REPAIR: every partition's
// in-sync replicas compared by digest, a replica that differs brought back to the in-sync copy),
// follows it (RINGKV REPAIR STATUS) and prints what it compared, found and fixed. Exit 0: the
// replicas agree now; 1: some keys could not be settled (one version, different values, no
// majority), or the round was cut short; 3: no answer.

import type { Command } from "commander";
import { coordinatorTarget, openCoordinatorSession } from "./coordinator-session.js";
import type { RespValue } from "../codec/resp-decoder.js";
import { DEFAULT_PORT } from "../client/connect.js";
import { CLIENT_LIMITS } from "../shared/limits.js";
import { integerOption, type RawOptions } from "./settings.js";

export const REPAIR_EXIT = { agreed: 0, unresolved: 1, noAnswer: 3 } as const;

/** How often the round's progress is asked for. */
const POLL_MS = 250;

/** A round's fields (numbers and text), or the status's (rounds as nested fields, or null). */
type Fields = Map<string, unknown>;

export function registerRepairCommand(program: Command): void {
  program
    .command("repair")
    .description("compare every partition's in-sync replicas by digest and fix any that differ (exit 0 agreed, 1 unresolved keys, 3 no answer)")
    .option("--host <address>", "coordinator address (default 127.0.0.1)")
    .option("--port <port>", `coordinator port (default ${DEFAULT_PORT})`)
    .option("--password <password>", "AUTH with this password (default: env RINGKV_PASSWORD)")
    .option("--json", "print the finished round as JSON")
    .option("--timeout-ms <ms>", "how long to wait for the round to finish (default 3600000)")
    .addHelpText("after", `
Examples:
  ringkv repair
  ringkv repair --port 6380 --json | jq .keys_fixed
  redis-cli -p 6380 RINGKV REPAIR STATUS     # the same, without waiting`)
    .action(async (flags: RawOptions) => {
      try {
        const round = await runRepair(flags, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(flags.json === true ? `${JSON.stringify(Object.fromEntries(round), null, 2)}\n` : `${describeRound(round)}\n`);
        process.exitCode = Number(round.get("keys_unresolved")) > 0 || Number(round.get("keys_left_for_next_round")) > 0
          ? REPAIR_EXIT.unresolved : REPAIR_EXIT.agreed;
      } catch (error) {
        process.stderr.write(`ringkv repair: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = REPAIR_EXIT.noAnswer;
      }
    });
}

/** Starts (or joins) a round and waits for it to finish; returns its fields. */
async function runRepair(flags: RawOptions, progress: (line: string) => void): Promise<Fields> {
  const timeoutMs = integerOption(flags, "timeoutMs", 3_600_000);
  const requestTimeoutMs = CLIENT_LIMITS.requestTimeoutMs;
  const connection = await openCoordinatorSession(coordinatorTarget(flags), requestTimeoutMs);
  try {
    const started = fieldsOf(await connection.send(["RINGKV", "REPAIR"], { timeoutMs: requestTimeoutMs }));
    const id = Number(started.get("round"));
    progress(started.get("started") === 1 ? `repair round ${id} started` : `repair round ${id} was already running; following it`);
    const deadline = Date.now() + timeoutMs;
    let lastPhase = "";
    for (;;) {
      const status = fieldsOf(await connection.send(["RINGKV", "REPAIR", "STATUS"], { timeoutMs: requestTimeoutMs }));
      const running = status.get("running") as Fields | null;
      const last = status.get("last") as Fields | null;
      if (running !== null && Number(running.get("round")) === id) {
        const phase = String(running.get("phase"));
        if (phase !== lastPhase) progress(`  ${phase}: ${describeProgress(running)}`);
        lastPhase = phase;
      } else if (last !== null && Number(last.get("round")) === id) {
        return last;
      } else {
        throw new Error(`repair round ${id} ended without a result (the coordinator restarted?); run ringkv repair again`);
      }
      if (Date.now() > deadline) throw new Error(`repair round ${id} had not finished after ${timeoutMs} ms (RINGKV REPAIR STATUS follows it)`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    connection.close();
  }
}

/** A RESP3 map as fields: text keys, numbers, text, nested maps, null; an error reply is thrown. */
function fieldsOf(reply: RespValue): Fields {
  if (reply instanceof Error) throw reply;
  if (!(reply instanceof Map)) throw new Error("the coordinator answered RINGKV REPAIR with something other than a map");
  const fields: Fields = new Map();
  for (const [name, value] of reply) {
    const key = Buffer.isBuffer(name) ? name.toString("utf8") : String(name);
    if (value instanceof Map) fields.set(key, fieldsOf(value));
    else if (Buffer.isBuffer(value)) fields.set(key, value.toString("utf8"));
    else if (typeof value === "bigint") fields.set(key, Number(value));
    else fields.set(key, value);
  }
  return fields;
}

function describeProgress(round: Fields): string {
  return `${round.get("partitions_compared")} partitions compared, ${round.get("bytes_scanned")} bytes scanned`;
}

/** One paragraph a person reads: what was compared, what differed, what was fixed, what was left. */
export function describeRound(round: Fields): string {
  const get = (name: string) => Number(round.get(name));
  const lines = [
    `repair round ${get("round")} finished in ${get("elapsed_ms")} ms: ${get("partitions_compared")} partitions compared`
      + (get("partitions_skipped") > 0 ? ` (${get("partitions_skipped")} skipped: fewer than two in-sync replicas up, or changing)` : ""),
    `  ${get("partitions_diverged")} partitions (${get("ranges_diverged")} ranges) differed; ${get("keys_compared")} keys compared there`,
    `  ${get("keys_diverged")} keys differed, ${get("keys_fixed")} fixed, ${get("keys_unresolved")} unresolved, ${get("keys_changed_meanwhile")} changed meanwhile`,
    `  ${get("bytes_scanned")} bytes scanned`,
  ];
  if (get("keys_unresolved") > 0) lines.push("  unresolved keys: one version, different values, no majority of in-sync replicas (see the coordinator's log)");
  if (get("keys_left_for_next_round") > 0) lines.push("  more keys differed than one round lists: run ringkv repair again");
  return lines.join("\n");
}
