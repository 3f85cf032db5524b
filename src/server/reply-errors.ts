// The error replies whose wording clients and people recognise from Redis 7, built in one
// place so that every command words them the same way. (CR and LF inside an error become
// spaces when the codec's ReplyWriter encodes it, as in Redis.)
import { RingkvError } from "../shared/errors.js";
import type { Bytes } from "./backend.js";

/** Redis shows at most this many bytes of a command name and of its arguments in errors. */
const ECHOED_BYTES_MAX = 128;

function echoed(bytes: Bytes, bytesMax: number): string {
  return bytes.subarray(0, bytesMax).toString();
}

/** `ERR unknown command 'foo', with args beginning with: 'a' 'b' ` (Redis's exact form). */
export function unknownCommandError(args: Bytes[]): RingkvError {
  let list = "";
  let listBytes = 0;
  for (let i = 1; i < args.length && listBytes < ECHOED_BYTES_MAX; i++) {
    const arg = args[i] as Bytes;
    const room = ECHOED_BYTES_MAX - listBytes;
    list += `'${echoed(arg, room)}' `;
    listBytes += Math.min(arg.length, room) + 3;
  }
  const name = echoed(args[0] as Bytes, ECHOED_BYTES_MAX);
  return new RingkvError("ERR", `unknown command '${name}', with args beginning with: ${list}`);
}

/** `ERR unknown subcommand 'foo'. Try CLIENT HELP.` */
export function unknownSubcommandError(container: Bytes, subcommand: Bytes): RingkvError {
  const name = container.toString().toUpperCase();
  return new RingkvError("ERR", `unknown subcommand '${echoed(subcommand, ECHOED_BYTES_MAX)}'. Try ${name} HELP.`);
}

/** `ERR wrong number of arguments for 'get' command` (full name: 'client|setname'). */
export function arityError(fullName: string): RingkvError {
  return new RingkvError("ERR", `wrong number of arguments for '${fullName}' command`);
}

export function syntaxError(): RingkvError {
  return new RingkvError("ERR", "syntax error");
}

export function notIntegerError(): RingkvError {
  return new RingkvError("ERR", "value is not an integer or out of range");
}

export function noAuthError(): RingkvError {
  return new RingkvError("NOAUTH", "Authentication required.");
}

export function wrongPassError(): RingkvError {
  return new RingkvError("WRONGPASS", "invalid username-password pair or user is disabled.");
}

/** Parses a base-10 integer the way Redis's string2ll does: no spaces, no plus sign. */
export function parseInteger(bytes: Bytes): number | null {
  const text = bytes.toString("latin1");
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
