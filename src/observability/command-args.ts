// How SLOWLOG and MONITOR show a command's arguments: secrets redacted as Redis does
// (`"auth" "(redacted)"`), and long commands shortened as Redis's slow log shortens them.

import { OBSERVABILITY_LIMITS } from "../shared/limits.js";

const REDACTED = Buffer.from("(redacted)");

/** The arguments with passwords replaced by "(redacted)": AUTH's, and HELLO's after AUTH. */
export function redactedArgs(args: readonly Buffer[]): readonly Buffer[] {
  // Only AUTH and HELLO hide anything: most commands are told by their first letter, unconverted.
  const initial = (args[0]?.[0] ?? 0) | 0x20;
  if (initial !== 0x61 && initial !== 0x68) return args;
  const name = args[0]?.toString("latin1").toLowerCase();
  if (name === "auth") return args.map((arg, index) => (index === 0 ? arg : REDACTED));
  if (name !== "hello") return args;
  const shown = [...args];
  for (let index = 2; index < shown.length; index++) {
    if (shown[index]!.toString("latin1").toLowerCase() === "auth") {
      // HELLO ... AUTH username password: Redis hides both.
      for (let secret = index + 1; secret <= index + 2 && secret < shown.length; secret++) shown[secret] = REDACTED;
      index += 2;
    }
  }
  return shown;
}

const { slowlogArgsMax: SLOWLOG_ARGS_MAX, slowlogArgBytesMax: SLOWLOG_ARG_BYTES_MAX } = OBSERVABILITY_LIMITS;

/** Copies of the arguments, shortened as Redis's slow log shortens them (copies: no request buffer is kept alive). */
export function shortenedArgs(args: readonly Buffer[]): Buffer[] {
  const kept = Math.min(args.length, SLOWLOG_ARGS_MAX);
  const shown: Buffer[] = [];
  for (let index = 0; index < kept; index++) {
    const arg = args[index]!;
    if (kept !== args.length && index === kept - 1) {
      shown.push(Buffer.from(`... (${args.length - kept + 1} more arguments)`));
    } else if (arg.length > SLOWLOG_ARG_BYTES_MAX) {
      shown.push(Buffer.concat([arg.subarray(0, SLOWLOG_ARG_BYTES_MAX), Buffer.from(`... (${arg.length - SLOWLOG_ARG_BYTES_MAX} more bytes)`)]));
    } else {
      shown.push(Buffer.from(arg));
    }
  }
  return shown;
}
