// The cluster views as a person reads them at a terminal: `nodes` as a table with one storage
// node a row, `locate` as the key's partition and its replicas in order (the first is the
// primary). RINGKV NODES and LOCATE answer lists of field/value pairs (maps over RESP3); any
// other shape — an older or newer server — returns undefined and is shown the generic way.

import type { RespValue } from "../../codec/resp-decoder.js";

type Fields = Map<string, RespValue>;

const NODE_COLUMNS: ReadonlyArray<[field: string, heading: string]> = [
  ["id", "id"], ["address", "address"], ["state", "state"], ["joined", "joined"],
  ["primary_partitions", "primary partitions"], ["replica_partitions", "replica partitions"],
  ["in_sync_partitions", "in sync"], ["catch_up", "catch-up"],
];

export function formatNodes(reply: RespValue): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const nodes = reply.map(fieldsOf);
  if (nodes.length === 0) return "(no storage nodes)";
  if (nodes.some((node) => node === undefined || !node.has("id"))) return undefined;
  const rows = (nodes as Fields[]).map((node) => NODE_COLUMNS.map(([field]) => cell(field, node.get(field))));
  return table(NODE_COLUMNS.map(([, heading]) => heading), rows);
}

export function formatLocate(reply: RespValue): string | undefined {
  const located = fieldsOf(reply);
  const replicas = located?.get("replicas");
  if (located === undefined || !Array.isArray(replicas)) return undefined;
  const nodes = replicas.map(fieldsOf);
  if (nodes.some((node) => node === undefined || !node.has("id"))) return undefined;
  const rows = (nodes as Fields[]).map((node, index) => [
    index === 0 ? "primary" : `replica ${index}`, cell("id", node.get("id")), cell("address", node.get("address")), cell("state", node.get("state")),
  ]);
  return `partition ${cell("partition", located.get("partition"))}\n${table(["role", "node", "address", "state"], rows)}`;
}

/** A flat [field, value, ...] list (RESP2) or a map (RESP3) as a Map; undefined for anything else. */
function fieldsOf(value: RespValue | undefined): Fields | undefined {
  if (value instanceof Map) {
    const fields: Fields = new Map();
    for (const [key, item] of value) fields.set(text(key), item);
    return fields;
  }
  if (!Array.isArray(value) || value.length % 2 !== 0) return undefined;
  const fields: Fields = new Map();
  for (let index = 0; index < value.length; index += 2) fields.set(text(value[index]!), value[index + 1]!);
  return fields;
}

function cell(field: string, value: RespValue | undefined): string {
  if (value === undefined || value === null) return "-";
  if (field === "joined") return text(value) === "1" ? "yes" : "no";
  return text(value);
}

function text(value: RespValue): string {
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

function table(headings: string[], rows: string[][]): string {
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((value, column) => value.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(headings), ...rows.map(line)].join("\n");
}
