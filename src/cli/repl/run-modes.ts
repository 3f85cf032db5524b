// The three ways `ringkv cli` runs:
// - once:        `ringkv cli get k` runs one command and exits (0 reply, 1 nil, 2 error);
// - piped:       commands read from a non-terminal stdin, one per line (exit 2 if any failed);
// - interactive: a prompt with history (kept between runs), tab completion and Ctrl-D/exit.
// Replies go to stdout; in one-shot mode errors go to stderr, in a session they are printed in
// line with the replies, as redis-cli does.

import { createInterface } from "node:readline";
import { HISTORY_LINES_MAX, loadHistory, saveHistory } from "./history.js";
import { Shell, type LineOutcome, type ShellTarget } from "./shell.js";
import type { OutputMode } from "./reply-format.js";
import { completeLine } from "./shell-commands.js";

export const EXIT_OK = 0;
export const EXIT_NIL = 1;
export const EXIT_ERROR = 2;

/** `name(...)`: the original design's call form. */
const CALL_FORM = /^\s*[A-Za-z]+\s*\(.*\)\s*$/s;

export interface Terminal {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function writeLine(stream: NodeJS.WritableStream, bytes: Buffer | string): void {
  stream.write(Buffer.concat([Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), Buffer.from("\n")]));
}

/** One command from the command line; answers the exit code. A nil reply prints nothing on
 * stdout (so `v=$(ringkv cli get k)` is empty) and "(nil)" on stderr. A single word in the call
 * form, `ringkv cli 'put("k", "v")'`, is parsed as the shell parses a line. */
export async function runOnce(target: ShellTarget, words: string[], mode: OutputMode, terminal: Terminal): Promise<number> {
  const replies: Buffer[] = [];
  const shell = new Shell(target, mode, {
    reply: (bytes) => replies.push(bytes),
    error: (text) => writeLine(terminal.stderr, text),
  });
  const callForm = words.length === 1 && CALL_FORM.test(words[0]!);
  const outcome = callForm ? await shell.runLine(words[0]!) : await shell.runWords(words.map((word) => Buffer.from(word)));
  if (outcome === "nil") writeLine(terminal.stderr, "(nil)");
  else for (const reply of replies) writeLine(terminal.stdout, reply);
  return exitCodeOf(outcome);
}

/** Commands from a pipe, one per line, until the end of input or `exit`. */
export async function runPiped(target: ShellTarget, mode: OutputMode, terminal: Terminal): Promise<number> {
  const shell = new Shell(target, mode, sessionOutput(terminal));
  const lines = createInterface({ input: terminal.stdin, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  let failed = false;
  for await (const line of lines) {
    const outcome = await shell.runLine(line);
    if (outcome === "error") failed = true;
    if (outcome === "exit") break;
  }
  lines.close();
  return failed ? EXIT_ERROR : EXIT_OK;
}

/** The prompt: history in `historyPath`, tab completion, Ctrl-C or Ctrl-D or `exit` to leave. */
export async function runInteractive(target: ShellTarget, mode: OutputMode, terminal: Terminal, historyPath: string): Promise<number> {
  const shell = new Shell(target, mode, sessionOutput(terminal));
  let history = loadHistory(historyPath, HISTORY_LINES_MAX);
  const prompt = createInterface({
    input: terminal.stdin,
    output: terminal.stdout,
    prompt: `${target.address}> `,
    completer: completeLine,
    history,
    historySize: HISTORY_LINES_MAX,
    removeHistoryDuplicates: true,
    terminal: true,
  });
  prompt.on("history", (lines: string[]) => {
    history = lines;
  });
  prompt.on("SIGINT", () => prompt.close());
  prompt.prompt();
  for await (const line of prompt) {
    if ((await shell.runLine(line)) === "exit") break;
    prompt.prompt();
  }
  prompt.close();
  const problem = saveHistory(historyPath, history, HISTORY_LINES_MAX);
  if (problem) writeLine(terminal.stderr, `warning: ${problem}`);
  return EXIT_OK;
}

function sessionOutput(terminal: Terminal): { reply(bytes: Buffer): void; error(text: string): void } {
  return {
    reply: (bytes) => writeLine(terminal.stdout, bytes),
    error: (text) => writeLine(terminal.stdout, text),
  };
}

function exitCodeOf(outcome: LineOutcome): number {
  if (outcome === "error") return EXIT_ERROR;
  if (outcome === "nil") return EXIT_NIL;
  return EXIT_OK;
}
