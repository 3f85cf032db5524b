// The run's fingerprint and its readable log. Every happening the simulator feeds a machine (and
// every effect it returns, every fault injected) is folded into a running hash: two runs with
// the same seed must print the same `trace <hex>`, and a differing hash is the first sign that
// something in the simulator or the machines is not deterministic. The last lines are kept in a
// bounded ring so that a failing run can show what happened around the failure.

import { murmur3 } from "../core/hash.js";

export interface TraceLine {
  atUs: number;
  text: string;
}

export class Trace {
  // Two 32-bit lanes with different seeds: a 64-bit fingerprint from the one hash we have.
  #laneA = 0x9747b28c;
  #laneB = 0x1b873593;
  #count = 0;
  readonly #kept: TraceLine[] = [];
  #keptStart = 0;
  readonly #keepLinesMax: number;
  readonly #bytes = new ByteWriter();

  /** Keeps the last `keepLinesMax` lines for printing (0 keeps none; hashing is unaffected). */
  constructor(keepLinesMax: number) {
    this.#keepLinesMax = keepLinesMax;
  }

  /**
   * Folds one happening into the fingerprint: `subject` says who and what ("n1 <- "), `value` is
   * the event or effect. The readable line is only built when lines are kept: hashing a compact
   * binary form instead of text is what keeps tracing every event affordable.
   */
  record(atUs: number, subject: string, value?: unknown): void {
    const writer = this.#bytes;
    writer.reset();
    writer.number(atUs);
    writer.string(subject);
    if (value !== undefined) writer.value(value);
    const bytes = writer.bytes();
    this.#laneA = murmur3(bytes, this.#laneA);
    this.#laneB = murmur3(bytes, this.#laneB ^ this.#count);
    this.#count += 1;
    if (this.#keepLinesMax === 0) return;
    const line = { atUs, text: value === undefined ? subject : subject + formatValue(value) };
    if (this.#kept.length < this.#keepLinesMax) {
      this.#kept.push(line);
    } else {
      this.#kept[this.#keptStart] = line;
      this.#keptStart = (this.#keptStart + 1) % this.#keepLinesMax;
    }
  }

  /** Lines recorded so far. */
  get count(): number {
    return this.#count;
  }

  /** The fingerprint of every line recorded so far, 16 hex digits. */
  hex(): string {
    return hex8(this.#laneA) + hex8(this.#laneB);
  }

  /** The kept lines, oldest first. */
  keptLines(): TraceLine[] {
    return [...this.#kept.slice(this.#keptStart), ...this.#kept.slice(0, this.#keptStart)];
  }
}

/** Writes a value's structure into a reused byte buffer, with a tag before each part so different values never write the same bytes. */
class ByteWriter {
  #buffer = new Uint8Array(1024);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  reset(): void {
    this.#length = 0;
  }

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  number(value: number): void {
    this.#room(9);
    this.#buffer[this.#length] = 1;
    this.#view.setFloat64(this.#length + 1, value);
    this.#length += 9;
  }

  string(value: string): void {
    this.#room(5 + 2 * value.length);
    this.#tagAndLength(2, value.length);
    for (let index = 0; index < value.length; index += 1) {
      this.#view.setUint16(this.#length, value.charCodeAt(index));
      this.#length += 2;
    }
  }

  value(value: unknown): void {
    if (value === null || value === undefined) return this.#tag(value === null ? 3 : 4);
    switch (typeof value) {
      case "number": return this.number(value);
      case "string": return this.string(value);
      case "boolean": return this.#tag(value ? 5 : 6);
      case "object": break;
      default: return this.string(String(value));
    }
    if (value instanceof Uint8Array) {
      this.#room(5 + value.length);
      this.#tagAndLength(7, value.length);
      this.#buffer.set(value, this.#length);
      this.#length += value.length;
    } else if (Array.isArray(value)) {
      this.#room(5);
      this.#tagAndLength(8, value.length);
      for (const item of value) this.value(item);
    } else {
      this.#tag(9);
      const record = value as Record<string, unknown>;
      for (const name in record) {
        if (record[name] === undefined) continue;
        this.string(name);
        this.value(record[name]);
      }
      this.#tag(10);
    }
  }

  #tag(tag: number): void {
    this.#room(1);
    this.#buffer[this.#length] = tag;
    this.#length += 1;
  }

  #tagAndLength(tag: number, length: number): void {
    this.#buffer[this.#length] = tag;
    this.#view.setUint32(this.#length + 1, length);
    this.#length += 5;
  }

  #room(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + bytes));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}

/**
 * A compact, deterministic rendering of an event or effect: object keys in their own order, byte
 * arrays as quoted latin1 text (the simulator's keys and values are printable ASCII), undefined
 * fields left out.
 */
export function formatValue(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "object":
      break;
    default:
      return String(value);
  }
  if (value instanceof Uint8Array) return JSON.stringify(bytesToText(value));
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index += 1) text += (index > 0 ? "," : "") + formatValue(value[index]);
    return `${text}]`;
  }
  let text = "{";
  let first = true;
  const record = value as Record<string, unknown>;
  for (const name in record) {
    const field = record[name];
    if (field === undefined) continue;
    text += `${first ? "" : ","}${name}:${formatValue(field)}`;
    first = false;
  }
  return `${text}}`;
}

/** Bytes as latin1 text: one character per byte, so no input is ever rejected or merged. */
export function bytesToText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** The inverse of bytesToText. */
export function textToBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}
