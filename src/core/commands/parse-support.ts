// Small helpers the command parsers share: option tokens, integers as Redis reads them.
import { parseInt64 } from "./int64.js";
import { ERRORS, type ErrorReply } from "./reply.js";

const utf8 = new TextDecoder();

/** An option word, upper-cased for comparison (ASCII only, as strcasecmp in the C locale). */
export function token(arg: Uint8Array): string {
  let text = "";
  for (const byte of arg) text += String.fromCharCode(byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte);
  return text;
}

/** An argument as text for an error message. */
export function argText(arg: Uint8Array): string {
  return utf8.decode(arg);
}

/** A 64-bit integer argument, or Redis's "not an integer" error. */
export function int64Arg(arg: Uint8Array): bigint | ErrorReply {
  return parseInt64(arg) ?? ERRORS.notInteger();
}

/** Arguments from `from` taken two by two. */
export function pairsFrom(args: Uint8Array[], from: number): Array<[Uint8Array, Uint8Array]> {
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = from; i + 1 < args.length; i += 2) pairs.push([args[i] as Uint8Array, args[i + 1] as Uint8Array]);
  return pairs;
}
