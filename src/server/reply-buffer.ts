// Replies waiting to be written to one socket, encoded by the codec's ReplyWriter in the
// protocol each was asked in. Everything appended between two writes leaves in one write.
import type { Socket } from "node:net";
import { RingkvError } from "../shared/errors.js";
import { ReplyWriter } from "../codec/resp-encoder.js";
import type { CommandReply } from "../core/commands/index.js";
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
  else if ("kind" in reply) encodeCommandReply(writer, reply);
  else writer.simple(reply.simple);
}

/** A reply of src/core/commands, in the writer's protocol. */
function encodeCommandReply(writer: ReplyWriter, reply: CommandReply): void {
  switch (reply.kind) {
    case "integer": writer.integer(reply.value); return;
    case "bulk": writer.bulk(reply.value); return;
    case "nil": writer.null(); return;
    case "nilArray": writer.nullArray(); return;
    case "status": writer.simple(reply.text); return;
    case "error": writer.error(`${reply.code} ${reply.message}`); return;
    case "array":
      writer.arrayHeader(reply.items.length);
      for (const item of reply.items) encodeCommandReply(writer, item);
      return;
    case "map":
      writer.mapHeader(reply.entries.length);
      for (const [key, value] of reply.entries) {
        encodeCommandReply(writer, key);
        encodeCommandReply(writer, value);
      }
      return;
    case "pairs":
      // RESP3: an array of [key, value] arrays; RESP2: one flat array.
      writer.arrayHeader(writer.protocol === 3 ? reply.entries.length : reply.entries.length * 2);
      for (const [key, value] of reply.entries) {
        if (writer.protocol === 3) writer.arrayHeader(2);
        encodeCommandReply(writer, key);
        encodeCommandReply(writer, value);
      }
  }
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
