// `ringkv cli`: the interactive client. With a command after the options it runs that command
// once and exits (for scripts); with commands piped into stdin it runs them one per line;
// otherwise it shows a prompt.

import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createClient } from "../client/connect.js";
import { DEFAULTS } from "../shared/defaults.js";
import { CLIENT_LIMITS } from "../shared/limits.js";
import { EXIT_ERROR, runInteractive, runOnce, runPiped, type Terminal } from "./repl/run-modes.js";
import type { OutputMode } from "./repl/reply-format.js";
import { integerOption, optionalString, portOption, SettingsError, stringOption, type RawOptions } from "./settings.js";

export const HISTORY_FILE = ".ringkv_history";

export function registerCliCommand(program: Command): void {
  program
    .command("cli")
    .description("the interactive client; with a command after the options, run it once and exit")
    .argument("[command...]", "a command to run once, e.g. get greeting")
    .option("--host <address>", `server address (default ${DEFAULTS.host})`)
    .option("--port <port>", `server port (default ${DEFAULTS.coordinatorPort})`)
    .option("--password <password>", "AUTH with this password (default: env RINGKV_PASSWORD)")
    .option("--raw", "print values as their raw bytes (the default when stdout is not a terminal)")
    .option("--no-raw", 'print like redis-cli on a terminal: "quoted" values, (integer) 3, (nil)')
    .option("--timeout-ms <ms>", `deadline of one request (default ${CLIENT_LIMITS.requestTimeoutMs})`)
    .option("--tls-ca <file>", "speak TLS to the server, trusting the CA in this PEM file (ringkv start --tls: DATA/tls/ca.pem)")
    .passThroughOptions()
    .addHelpText("after", `
Commands: get, put, delete (also as get("k"), put("k", "v"), delete("k")), set, del, mget, mset,
exists, info [section], nodes, locate <key>, ping, help, exit. Any other command is sent as typed.
Quote values with spaces: put greeting "hello world" (escapes \\n \\t \\" \\xHH) or 'single quotes'.

Exit status of a one-shot command: 0 for a reply, 1 for a nil reply (a missing key: nothing on
stdout, "(nil)" on stderr), 2 for an error (its message on stderr). Commands piped on stdin:
exit 2 if any of them failed, else 0.

Examples:
  ringkv cli                                  # the prompt, on 127.0.0.1:${DEFAULTS.coordinatorPort}
  ringkv cli --port 7000 put greeting "hello world"
  value=$(ringkv cli get greeting) || echo "missing or failed"
  printf 'put a 1\\nget a\\n' | ringkv cli --port 7000
  RINGKV_PASSWORD=secret ringkv cli nodes`)
    .action(async (words: string[], flags: RawOptions) => {
      process.exitCode = await runCli(words, flags, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    });
}

async function runCli(words: string[], flags: RawOptions, terminal: Terminal): Promise<number> {
  const host = stringOption(flags, "host", DEFAULTS.host);
  const port = portOption(flags, "port", DEFAULTS.coordinatorPort);
  const client = createClient({
    host,
    port,
    password: optionalString(flags, "password") ?? optionalString({ password: process.env.RINGKV_PASSWORD }, "password"),
    timeoutMs: integerOption(flags, "timeoutMs", CLIENT_LIMITS.requestTimeoutMs),
    tls: tlsCaOption(flags),
    onConnectionEvent: (event) => {
      const notice = event.type === "lost"
        ? `(connection to ${host}:${port} lost: ${event.reason}; the next command reconnects)`
        : `(reconnected to ${host}:${port})`;
      terminal.stderr.write(`${notice}\n`);
    },
  });
  const mode = outputMode(flags, terminal.stdout);
  try {
    if (words.length > 0) return await runOnce(client, words, mode, terminal);
    if (!(terminal.stdin as NodeJS.ReadStream).isTTY) return await runPiped(client, mode, terminal);
    // Say at once when the server cannot be reached; each command then tries again.
    await client.ready().catch((error: Error) => terminal.stderr.write(`(error) ${error.message}\n`));
    return await runInteractive(client, mode, terminal, join(homedir(), HISTORY_FILE));
  } catch (error) {
    terminal.stderr.write(`(error) ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  } finally {
    await client.close();
  }
}

function outputMode(flags: RawOptions, stdout: NodeJS.WritableStream): OutputMode {
  if (flags.raw === true) return "raw";
  if (flags.raw === false) return "human";
  return (stdout as NodeJS.WriteStream).isTTY ? "human" : "raw";
}

/** --tls-ca: TLS, trusting that CA (read now: a bad path is a clear error before anything is sent). */
function tlsCaOption(flags: RawOptions): { ca: Buffer } | undefined {
  const path = optionalString(flags, "tlsCa");
  if (path === undefined) return undefined;
  try {
    return { ca: readFileSync(path) };
  } catch (error) {
    throw new SettingsError(`cannot read --tls-ca ${path}: ${(error as Error).message}`);
  }
}
