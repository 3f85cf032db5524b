// Replies waiting to be written to one socket, encoded by the codec's ReplyWriter in the
// protocol each was asked in. Everything appended between two writes leaves in one write.
import type { Socket } from "node:net";
import { RingkvError } from "../shared/errors.js";
import { ReplyWriter } from "../codec/resp-encoder.js";
import type { ReplyValue } from "./backend.js";
import type { Reply } from "./reply.js";

export class ReplyBuffer {
  private readonly writer = new ReplyWriter();

  /** Bytes encoded and not yet written. */
  get byteLength(): number {
    return this.writer.byteLength;
  }

  append(reply: Reply, protocol: 2 | 3): void {
    this.writer.protocol = protocol;
    encodeReply(this.writer, reply);
  }

  writeTo(socket: Socket): void {
    const batch = this.writer.take();
    if (batch.length > 0) socket.write(batch);
  }

  clear(): void {
    this.writer.take();
  }
}

function encodeReply(writer: ReplyWriter, reply: Reply): void {
  if (reply === null) writer.null();
  else if (typeof reply === "number") writer.integer(reply);
  else if (typeof reply === "string" || Buffer.isBuffer(reply)) writer.bulk(reply);
  else if (reply instanceof RingkvError) writer.error(reply.toResp());
  else if (Array.isArray(reply)) encodeArray(writer, reply);
  else if (reply instanceof Map) encodeMap(writer, reply);
  else writer.simple(reply.simple);
}

function encodeArray(writer: ReplyWriter, items: ReplyValue[]): void {
  writer.arrayHeader(items.length);
  for (const item of items) encodeReply(writer, item);
}

function encodeMap(writer: ReplyWriter, entries: Map<string, ReplyValue>): void {
  writer.mapHeader(entries.size);
  for (const [key, value] of entries) {
    writer.bulk(key);
    encodeReply(writer, value);
  }
}
