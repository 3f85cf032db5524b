// Shows a reply the way redis-cli does, so people and scripts used to it read ours alike:
//   human: OK · (nil) · "value" (non-printables escaped) · (integer) 3 · numbered lists · (error) ...
//   raw:   the bytes of a value as they are, a number as digits, one list element per line
// (redis-cli picks raw output when stdout is not a terminal; `ringkv cli` does the same.)

import { RespReplyError, type RespValue } from "../../codec/resp-decoder.js";
import { quoteBytes } from "./quote.js";

export type OutputMode = "human" | "raw";

/** The bytes to print for a reply (without the final newline). */
export function formatReply(value: RespValue, mode: OutputMode): Buffer {
  return mode === "human" ? Buffer.from(formatHuman(value)) : formatRaw(value);
}

/** Text replies such as INFO's are shown as they are, even on a terminal (as redis-cli does). */
export function formatText(value: RespValue, mode: OutputMode): Buffer {
  return Buffer.isBuffer(value) ? Buffer.from(value.toString("latin1").replace(/\r\n/g, "\n").trimEnd(), "latin1") : formatReply(value, mode);
}

export function formatHuman(value: RespValue): string {
  return human(value);
}

function human(value: RespValue): string {
  if (value === null) return "(nil)";
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return quoteBytes(value);
  if (typeof value === "number") return Number.isInteger(value) ? `(integer) ${value}` : `(double) ${value}`;
  if (typeof value === "bigint") return `(integer) ${value}`;
  if (typeof value === "boolean") return `(${value})`;
  if (value instanceof RespReplyError) return `(error) ${value.message}`;
  if (Array.isArray(value)) return value.length === 0 ? "(empty array)" : numbered(value.map(human), ")");
  if (value.size === 0) return "(empty map)";
  return numbered([...value].map(([key, item]) => `${human(key)} => ${human(item)}`), "#");
}

/** "1) first", "2) second", ... with the index right-aligned and later lines of an item indented. */
function numbered(items: string[], mark: string): string {
  const width = String(items.length).length;
  return items.map((item, index) => {
    const prefix = `${String(index + 1).padStart(width)}${mark} `;
    return prefix + item.split("\n").join(`\n${" ".repeat(prefix.length)}`);
  }).join("\n");
}

/** Raw output keeps a value's bytes exactly (a binary value is printed as it is stored). */
export function formatRaw(value: RespValue): Buffer {
  if (value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof RespReplyError) return Buffer.from(`(error) ${value.message}`);
  if (Array.isArray(value)) return joinLines(value.map(formatRaw));
  if (value instanceof Map) return joinLines([...value].flatMap(([key, item]) => [formatRaw(key), formatRaw(item)]));
  return Buffer.from(String(value));
}

function joinLines(parts: Buffer[]): Buffer {
  const newline = Buffer.from("\n");
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [part] : [newline, part])));
}
