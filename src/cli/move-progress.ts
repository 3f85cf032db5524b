// A membership change's progress where a person waits on it (`ringkv remove`, `ringkv start` when
// nodes join): RINGKV MOVES asked twice a second, one line per change of it, or a bar redrawn in
// place at a terminal, until no change is in progress.

import type { RespConnection } from "../client/resp-connection.js";
import type { RespValue } from "../codec/resp-decoder.js";

/** How often the move's progress is asked for. */
const POLL_MS = 500;

/** Prints the move's progress until RINGKV MOVES says there is none; true when there was one. */
export async function followMoves(connection: RespConnection, timeoutMs: number): Promise<boolean> {
  const tty = process.stdout.isTTY === true;
  let last = "";
  for (;;) {
    const moves = fields(await connection.send(["RINGKV", "MOVES"], { timeoutMs }));
    if (moves.get("state") === "none") break;
    const line = progressLine(moves, tty);
    if (line !== last) process.stdout.write(tty ? `\r${line}` : `${line}\n`);
    last = line;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (tty && last !== "") process.stdout.write("\n");
  return last !== "";
}

/** "moving [#####.....] 12/53 partitions, 4100 keys (1.2 MB) copied" or "cleaning up n1,n3". */
export function progressLine(moves: ReadonlyMap<string, string>, bar: boolean): string {
  if (moves.get("state") === "cleanup") {
    const cleanup = moves.get("cleanup") ?? "";
    return cleanup === "" ? "every partition's new replicas are in sync: switching to the new ring" : `dropping moved data on ${cleanup}`;
  }
  const done = Number(moves.get("partitions_done"));
  const total = Number(moves.get("partitions"));
  const width = 20;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const graphic = bar ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ` : "";
  const megabytes = (Number(moves.get("catch_up_bytes")) / 1e6).toFixed(1);
  return `moving ${graphic}${done}/${total} partitions in sync, ${moves.get("catch_up_keys")} keys (${megabytes} MB) copied; ring ${moves.get("ring")} -> ${moves.get("target")}`;
}

/** A RESP3 map (or RESP2 flat list) of a reply, with text keys and values. */
function fields(reply: RespValue): Map<string, string> {
  const out = new Map<string, string>();
  const text = (value: RespValue): string => (Buffer.isBuffer(value) ? value.toString("utf8") : String(value));
  if (reply instanceof Map) for (const [key, value] of reply) out.set(text(key), text(value));
  else if (Array.isArray(reply)) for (let index = 0; index + 1 < reply.length; index += 2) out.set(text(reply[index]!), text(reply[index + 1]!));
  return out;
}
