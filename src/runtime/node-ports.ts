// The ports of a local cluster's storage nodes (`ringkv start`). With --node-port B, node i
// listens on B + i - 1, as told. Without it, each node takes a port the system picks free on
// its first start, and the launcher remembers it in DATA/node-ports.json: a restart of the
// cluster keeps its addresses, and two clusters on one machine never reach for the same ports.
// A remembered port that another process has taken since is given up for a new free one.

import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { PRIVATE_FILE_MODE } from "../storage/data-dir.js";

export const NODE_PORTS_FILE = "node-ports.json";

/** The port each node is started on; 0 lets the system pick. */
export async function chooseNodePorts(root: string, names: readonly string[], basePort: number | undefined, host: string): Promise<Map<string, number>> {
  if (basePort !== undefined) return new Map(names.map((name, i) => [name, basePort + i]));
  const remembered = readNodePorts(root);
  const chosen = new Map<string, number>();
  for (const name of names) {
    const port = remembered.get(name);
    chosen.set(name, port !== undefined && (await portIsFree(port, host)) ? port : 0);
  }
  return chosen;
}

/** Remembers the ports the nodes listen on, for the next start on the same data directory. */
export function rememberNodePorts(root: string, ports: ReadonlyMap<string, number>): void {
  const merged = new Map([...readNodePorts(root), ...ports]);
  writeFileSync(join(root, NODE_PORTS_FILE), `${JSON.stringify(Object.fromEntries(merged), null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
}

/** The remembered ports; a missing or unreadable file remembers nothing (ports are only a preference). */
export function readNodePorts(root: string): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(root, NODE_PORTS_FILE), "utf8"));
  } catch {
    return new Map();
  }
  if (parsed === null || typeof parsed !== "object") return new Map();
  return new Map(Object.entries(parsed).filter((entry): entry is [string, number] =>
    Number.isInteger(entry[1]) && entry[1] > 0 && entry[1] <= 65535));
}

/** True when nothing listens on host:port now (a check, not a reservation). */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}
