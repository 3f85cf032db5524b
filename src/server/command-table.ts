// The one table of commands: dispatch, arity checks, key positions (for limits and for
// ordering requests on the same key) and the COMMAND/COMMAND DOCS replies all read it.
import type { Bytes, ExtraCommand, KeyPositions } from "./backend.js";
import type { CommandCatalog, CommandDefinition, CommandSpec } from "./context.js";

export class CommandTable implements CommandCatalog {
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

/** Redis's arity rule is stated once, beside the commands of src/core/commands. */
export { arityAllows } from "../core/commands/index.js";

/** The key arguments of a command, by its key positions (Redis's first/last/step). */
export function commandKeys(keys: KeyPositions, args: Bytes[]): Bytes[] {
  const last = keys.last < 0 ? args.length + keys.last : keys.last;
  const found: Bytes[] = [];
  for (let i = keys.first; i <= last && i < args.length; i += keys.step) found.push(args[i] as Bytes);
  return found;
}
