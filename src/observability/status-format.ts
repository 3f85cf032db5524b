// `ringkv status` as a person reads it:
//   cluster degraded
//     - 1 storage node down: node-2 (127.0.0.1:7002)
//     → start node-2 again on its data directory; a node rejoins by itself
//   coordinator 127.0.0.1:6380  epoch 3  replicas 2  partitions 1024  version 0.1.0  up 2h03m
//
//   node    state  role    address          owns    keys   data     in-sync  version  uptime
//   node-1  up     active  127.0.0.1:7001   66.7%   1,204  48 KiB   -        0.1.0    2h03m
//
//   move: adding node-4 (node-1,node-2,node-3 -> node-1,node-2,node-3,node-4): 12 of 53 partitions in sync, 4,100 keys (1.2 MB) copied

import type { MoveSnapshot } from "./cluster-snapshot.js";
import type { StatusReport } from "./status-report.js";
import { bytes, duration } from "./units.js";

const COLORS = { healthy: "\x1b[32m", degraded: "\x1b[33m", down: "\x1b[31m", up: "\x1b[32m", joining: "\x1b[36m" } as const;
const RESET = "\x1b[0m";

export function formatStatus(report: StatusReport, color: boolean): string {
  const paint = (key: keyof typeof COLORS, text: string) => (color ? `${COLORS[key]}${text}${RESET}` : text);
  const lines = [`cluster ${paint(report.health, report.health)}`];
  for (const reason of report.reasons) lines.push(`  - ${reason}`);
  for (const action of report.actions) lines.push(`  → ${action}`);
  const { coordinator, placement } = report;
  lines.push(`coordinator ${coordinator.address}  epoch ${report.epoch}  replicas ${placement.replicas}  partitions ${placement.partitions}`
    + `  version ${coordinator.version}  up ${duration(coordinator.uptimeSeconds)}`);
  lines.push("");
  if (report.nodes.length === 0) lines.push("(no storage nodes)");
  else {
    const headings = ["node", "state", "role", "address", "owns", "keys", "data", "in-sync", "version", "uptime"];
    const rows = report.nodes.map((node) => [
      node.id, node.state, node.role, node.address, `${node.ownsPercent.toFixed(1)}%`, orDash(node.keys, (keys) => keys.toLocaleString("en")),
      orDash(node.dataBytes, bytes), node.learningPartitions > 0 ? `${node.inSyncPartitions} (+${node.learningPartitions} learning)` : String(node.inSyncPartitions), orDash(node.version, String), orDash(node.uptimeSeconds, duration),
    ]);
    const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column]!.length)));
    const line = (cells: string[], state?: string) => cells.map((cell, column) => {
      const padded = cell.padEnd(widths[column]!);
      return column === 1 && state !== undefined && color ? paint(state === "down" ? "down" : state === "up" ? "up" : "joining", padded) : padded;
    }).join("  ").trimEnd();
    lines.push(line(headings));
    report.nodes.forEach((node, index) => lines.push(line(rows[index]!, node.state)));
  }
  if (report.move !== null) lines.push("", moveLine(report.move));
  for (const catchUp of report.catchUps) {
    lines.push(`catch-up: ${catchUp.node}: ${catchUp.streamedPartitions} of ${catchUp.partitions} partitions streamed `
      + `(${Math.floor((catchUp.streamedPartitions / Math.max(1, catchUp.partitions)) * 100)}%), ${catchUp.keys.toLocaleString("en")} keys, ${bytes(catchUp.bytes)}`);
  }
  const { repair } = report;
  if (repair.running) lines.push("repair: a round is comparing replicas (RINGKV REPAIR STATUS for its progress)");
  if (repair.lastRoundUnresolved !== null && repair.lastRoundUnresolved > 0) {
    lines.push(`repair: the last round left ${repair.lastRoundUnresolved} keys unresolved (replicas differ with no newest copy); RINGKV REPAIR STATUS lists the figures`);
  }
  return `${lines.join("\n")}\n`;
}

function orDash<T>(value: T | null, format: (value: T) => string): string {
  return value === null ? "-" : format(value);
}

function moveLine(move: MoveSnapshot): string {
  const what = [
    move.joining.length > 0 ? `adding ${move.joining.join(",")}` : "",
    move.leaving.length > 0 ? `removing ${move.leaving.join(",")}` : "",
  ].filter((part) => part !== "").join(" and ") || "rebalancing";
  const rings = `(${move.ring.join(",")} -> ${move.target.join(",")})`;
  const copied = `${move.keysCopied.toLocaleString("en")} keys (${bytes(move.bytesCopied)}) copied`;
  if (move.state === "cleanup") {
    const cleaning = move.cleanup.length > 0 ? `; dropping moved data on ${move.cleanup.join(",")}` : "";
    return `move: ${what} ${rings}: every partition's new replicas in sync, switching to the new ring${cleaning}; ${copied}`;
  }
  return `move: ${what} ${rings}: ${move.partitionsDone} of ${move.partitions} partitions in sync `
    + `(${Math.floor((move.partitionsDone / Math.max(1, move.partitions)) * 100)}%), ${copied}`;
}
