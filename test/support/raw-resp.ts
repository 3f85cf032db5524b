// A bare RESP client for comparison tests: one request at a time, replies decoded with the
// codec's reply parser, so that a simple string, a bulk string and an error stay distinct.
import { connect, type Socket } from "node:net";
import { RespDecoder, type RespValue } from "../../src/codec/resp-decoder.js";

export class RawResp {
  private readonly waiting: Array<(value: RespValue) => void> = [];

  private constructor(private readonly socket: Socket) {
    const decoder = new RespDecoder({
      mode: "reply",
      onReply: (value) => this.waiting.shift()?.(value),
      onProtocolError: (error) => socket.destroy(error),
    });
    socket.on("data", (chunk: Buffer) => decoder.write(chunk));
  }

  static connect(port: number): Promise<RawResp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.off("error", reject);
        resolve(new RawResp(socket));
      });
      socket.once("error", reject);
    });
  }

  call(args: ReadonlyArray<string | Buffer>): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${args.join(" ")} within 10 s`)), 10_000);
      this.waiting.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
      let frame = `*${args.length}\r\n`;
      const parts: Buffer[] = [];
      for (const arg of args) {
        const bytes = typeof arg === "string" ? Buffer.from(arg) : arg;
        frame += `$${bytes.length}\r\n`;
        parts.push(Buffer.from(frame), bytes);
        frame = "\r\n";
      }
      parts.push(Buffer.from(frame));
      this.socket.write(Buffer.concat(parts));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
