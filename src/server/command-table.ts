// The one table of commands: dispatch, arity checks, key positions (for limits and for
// ordering requests on the same key) and the COMMAND/COMMAND DOCS replies all read it.
import type { Bytes, ExtraCommand, KeyPositions, MaybePromise } from "./backend.js";
import type { CommandContext } from "./context.js";
import type { Reply } from "./reply.js";

export type CommandHandler = (ctx: CommandContext, args: Bytes[]) => MaybePromise<Reply>;

/** Redis's command flag names, as COMMAND INFO shows them. */
export type CommandFlag = "write" | "readonly" | "fast" | "no_auth" | "loading" | "stale" | "admin" | "noscript";

/** An argument as COMMAND DOCS describes it (redis-cli builds its hints from these). */
export interface ArgumentDoc {
  name: string;
  type: "key" | "string" | "integer" | "pattern" | "pure-token" | "oneof" | "block";
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  arguments?: ArgumentDoc[];
}

export interface CommandDefinition {
  /** Lower case; a subcommand's is `container|sub` (the name Redis's errors show). */
  name: string;
  /** N = exactly N arguments including the name; -N = at least N. */
  arity: number;
  flags: CommandFlag[];
  keys?: KeyPositions;
  summary: string;
  group: string;
  since: string;
  complexity?: string;
  arguments?: ArgumentDoc[];
  /** A container's handler runs when it is called without a subcommand (COMMAND). */
  run?: CommandHandler;
  subcommands?: CommandDefinition[];
}

export interface CommandSpec extends Readonly<Omit<CommandDefinition, "subcommands">> {
  readonly subcommands: ReadonlyMap<string, CommandSpec> | undefined;
  /** Changes data: ordered after earlier in-flight requests on the same keys. */
  readonly write: boolean;
  /** Allowed before AUTH. */
  readonly noAuth: boolean;
}

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();
  /** The same specs under their upper-case names too: clients send "GET" more than "get",
   * and a hit here saves lower-casing the name of every request. */
  private readonly byExactName = new Map<string, CommandSpec>();

  constructor(definitions: CommandDefinition[]) {
    for (const definition of definitions) this.add(definition);
  }

  /** Adds a backend's extra commands; a name that is already taken is a bug. */
  addExtra(extras: ExtraCommand[]): void {
    for (const extra of extras) {
      this.add({
        name: extra.name,
        arity: extra.arity,
        flags: extra.write ? ["write"] : ["readonly"],
        ...(extra.keys ? { keys: extra.keys } : {}),
        summary: extra.summary,
        group: "server",
        since: "0.1.0",
        run: (_ctx, args) => extra.run(args),
      });
    }
  }

  /** The spec named `name` (lower case). */
  get(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /** The spec a request's name names, in any letter case. */
  lookup(name: string): CommandSpec | undefined {
    return this.byExactName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  all(): IterableIterator<CommandSpec> {
    return this.byName.values();
  }

  get size(): number {
    return this.byName.size;
  }

  private add(definition: CommandDefinition): void {
    if (this.byName.has(definition.name)) throw new Error(`command ${definition.name} is defined twice`);
    const spec = toSpec(definition);
    this.byName.set(definition.name, spec);
    this.byExactName.set(definition.name, spec);
    this.byExactName.set(definition.name.toUpperCase(), spec);
  }
}

function toSpec(definition: CommandDefinition): CommandSpec {
  let subcommands: Map<string, CommandSpec> | undefined;
  if (definition.subcommands) {
    subcommands = new Map();
    for (const sub of definition.subcommands) {
      subcommands.set(sub.name.slice(sub.name.indexOf("|") + 1), toSpec(sub));
    }
  }
  return Object.freeze({
    ...definition,
    subcommands,
    write: definition.flags.includes("write"),
    noAuth: definition.flags.includes("no_auth"),
  });
}

/** True when `argc` arguments (the name included) satisfy the arity. */
export function arityAllows(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** The key arguments of a command, by its key positions (Redis's first/last/step). */
export function commandKeys(keys: KeyPositions, args: Bytes[]): Bytes[] {
  const last = keys.last < 0 ? args.length + keys.last : keys.last;
  const found: Bytes[] = [];
  for (let i = keys.first; i <= last && i < args.length; i += keys.step) found.push(args[i] as Bytes);
  return found;
}
