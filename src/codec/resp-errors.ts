// Errors of the RESP codec: protocol errors (RingkvError "ERR Protocol error: ...", the wording
// Redis uses, so a client sees the same text from ringkv as from Redis) and the value an error
// reply decodes to on the client side.
import { RingkvError } from "../shared/errors.js";

/** An error reply (`-CODE message` or `!<n>` blob error) received from a server. */
export class RespReplyError extends Error {
  /** The first word of the reply: ERR, WRONGTYPE, TRYAGAIN, ... */
  readonly code: string;

  /** `text` is the whole reply after the type byte, e.g. "ERR unknown command 'FOO'". */
  constructor(text: string) {
    super(text);
    this.name = "RespReplyError";
    const space = text.indexOf(" ");
    this.code = space < 0 ? text : text.slice(0, space);
  }
}

/** A protocol error; the server prefixes the code, so the wire text is "ERR Protocol error: ...". */
export function protocolError(detail: string): RingkvError {
  return new RingkvError("ERR", `Protocol error: ${detail}`);
}

/** A byte as it may appear inside an error message: never a raw CR, LF or control byte. */
export function describeByte(byte: number | undefined): string {
  if (byte === undefined) return "end of input";
  if (byte === 13) return "\\r";
  if (byte === 10) return "\\n";
  if (byte === 9) return "\\t";
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

/** Up to `bytesMax` bytes of `text` as they may appear inside an error message. */
export function describeBytes(bytes: Buffer, bytesMax = 32): string {
  let out = "";
  for (let i = 0; i < bytes.length && i < bytesMax; i++) out += describeByte(bytes[i]);
  return bytes.length > bytesMax ? `${out}...` : out;
}
