// MONITOR: every command a server runs, as one status line per command to every connection that
// asked for it, in Redis's format: +1339518083.107412 [0 127.0.0.1:60866] "set" "k" "v".
// Admin commands are not shown and passwords are redacted (as Redis does). A monitoring client
// that does not read its lines is disconnected once its unread output passes the reply-buffer
// bound, rather than let the server hold them without limit.

import type { ReplyValue } from "../server/backend.js";
import { redactedArgs } from "./command-args.js";

/** The part of a client connection the feed needs. */
export interface MonitorClient {
  /** Queues a reply outside the request/response order; false once the connection is closed. */
  push(reply: ReplyValue): boolean;
  /** Bytes queued toward the client and not yet taken by the kernel. */
  outputBytes(): number;
  disconnect(reason: string): void;
}

export class MonitorFeed {
  readonly #clients = new Set<MonitorClient>();

  constructor(private readonly outputBytesMax: number) {}

  get size(): number {
    return this.#clients.size;
  }

  add(client: MonitorClient): void {
    this.#clients.add(client);
  }

  /** Whether `client` follows the feed (the server's idle timeout spares it, as Redis's does). */
  has(client: MonitorClient): boolean {
    return this.#clients.has(client);
  }

  /** Sends one command's line to every monitoring client (call only when size > 0). */
  feed(args: readonly Buffer[], clientAddress: string, nowMs: number): void {
    const line: ReplyValue = { simple: monitorLine(args, clientAddress, nowMs) };
    for (const client of this.#clients) {
      if (client.outputBytes() > this.outputBytesMax) {
        this.#clients.delete(client);
        client.disconnect(`a MONITOR client left more than ${this.outputBytesMax} bytes unread`);
      } else if (!client.push(line)) {
        this.#clients.delete(client);
      }
    }
  }
}

/** `1339518083.107412 [0 127.0.0.1:60866] "set" "k" "v"` (the leading + is the status reply's). */
export function monitorLine(args: readonly Buffer[], clientAddress: string, nowMs: number): string {
  const micros = Math.round(nowMs * 1000);
  const seconds = Math.floor(micros / 1e6);
  const fraction = String(micros % 1e6).padStart(6, "0");
  return `${seconds}.${fraction} [0 ${clientAddress}] ${redactedArgs(args).map(quoted).join(" ")}`;
}

/** Redis's sdscatrepr: "..." with \\ \" \n \r \t \a \b escaped and other unprintable bytes as \xhh. */
export function quoted(arg: Buffer): string {
  let text = '"';
  for (const byte of arg) {
    switch (byte) {
      case 0x5c: text += "\\\\"; break;
      case 0x22: text += '\\"'; break;
      case 0x0a: text += "\\n"; break;
      case 0x0d: text += "\\r"; break;
      case 0x09: text += "\\t"; break;
      case 0x07: text += "\\a"; break;
      case 0x08: text += "\\b"; break;
      default:
        text += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
    }
  }
  return `${text}"`;
}
