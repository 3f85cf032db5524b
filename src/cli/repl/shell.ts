// Runs one line of `ringkv cli`: parse it, answer the shell's own words (help, exit), check the
// arity of the known commands, send the rest, and print the reply the way redis-cli does. It
// never throws: every failure becomes a printed "(error) ..." line and an outcome for exit codes.

import type { RespValue } from "../../codec/resp-decoder.js";
import { clusterViewError, RingkvClientError } from "../../client/errors.js";
import { formatLocate, formatNodes } from "./cluster-view-format.js";
import { parseLine } from "./line-parser.js";
import { formatReply, formatText, type OutputMode } from "./reply-format.js";
import { checkArity, findShellCommand, helpText } from "./shell-commands.js";

/** What a line came to: nothing to do, a reply, a nil reply, an error, or the end of the session. */
export type LineOutcome = "empty" | "reply" | "nil" | "error" | "exit";

export interface ShellTarget {
  readonly address: string;
  command(...args: Array<string | Buffer>): Promise<RespValue>;
}

export interface ShellOutput {
  /** A reply (stdout). */
  reply(bytes: Buffer): void;
  /** An error or a notice ("(error) ..."): stdout in a session, stderr in one-shot mode. */
  error(text: string): void;
}

/** Commands whose reply is text to show as lines (as redis-cli shows INFO). */
const TEXT_REPLIES = new Set(["info"]);
const CLUSTER_VIEWS: Record<string, string> = { nodes: "RINGKV NODES", locate: "RINGKV LOCATE" };
/** Tables for the cluster views at a terminal (raw output keeps redis-cli's lines, for scripts). */
const VIEW_TABLES: Record<string, (reply: RespValue) => string | undefined> = { nodes: formatNodes, locate: formatLocate };

export class Shell {
  constructor(private readonly target: ShellTarget, private readonly mode: OutputMode, private readonly output: ShellOutput) {}

  async runLine(line: string): Promise<LineOutcome> {
    const parsed = parseLine(line);
    if (!parsed.ok) return this.fail(parsed.error);
    return this.runWords(parsed.words);
  }

  /** Runs a command already split into words (one-shot mode: the words of the command line). */
  async runWords(words: Buffer[]): Promise<LineOutcome> {
    const [first, ...args] = words;
    if (first === undefined) return "empty";
    const name = first.toString("utf8").toLowerCase();
    const known = findShellCommand(name);
    if (known) {
      const arityError = checkArity(known, args.length);
      if (arityError) return this.fail(arityError);
    }
    if (name === "exit" || name === "quit") return "exit";
    if (name === "help") {
      this.output.reply(Buffer.from(helpText(args[0]?.toString("utf8"))));
      return "reply";
    }
    return this.send(name, known?.wire ? known.wire(args) : words);
  }

  private async send(name: string, wire: Buffer[]): Promise<LineOutcome> {
    let reply: RespValue;
    try {
      reply = await this.target.command(...wire);
    } catch (error) {
      return this.fail(this.describe(error, name));
    }
    this.output.reply(this.format(name, reply));
    return reply === null ? "nil" : "reply";
  }

  private format(name: string, reply: RespValue): Buffer {
    if (TEXT_REPLIES.has(name)) return formatText(reply, this.mode);
    const asTable = this.mode === "human" ? VIEW_TABLES[name]?.(reply) : undefined;
    return asTable === undefined ? formatReply(reply, this.mode) : Buffer.from(asTable);
  }

  private describe(error: unknown, name: string): string {
    if (!(error instanceof RingkvClientError)) return error instanceof Error ? error.message : String(error);
    const view = CLUSTER_VIEWS[name];
    const typed = view === undefined ? error : clusterViewError(error, view, this.target.address);
    return typed === error ? (error.reply ?? error.message) : typed.message;
  }

  private fail(message: string): LineOutcome {
    this.output.error(`(error) ${message}`);
    return "error";
  }
}
