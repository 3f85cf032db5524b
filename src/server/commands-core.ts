// The commands whose semantics live in src/core/commands, as entries of the command table: the
// handler parses the request (Redis's error texts) and hands the command to the backend, which
// runs it atomically and answers once it is durable.
import { CORE_COMMANDS, isError, parseCommand, type CoreCommandSpec } from "../core/commands/index.js";
import type { Bytes, MaybePromise } from "./backend.js";
import type { CommandContext, CommandDefinition, CommandFlag } from "./context.js";
import { helpReply } from "./command-docs.js";
import { CORE_COMMAND_DOCS } from "./core-command-docs.js";
import type { Reply } from "./reply.js";
import { syntaxArguments } from "./syntax-docs.js";

/** Parses a request for a core command and runs it on the backend. */
export function runCoreCommand(ctx: CommandContext, args: Bytes[]): MaybePromise<Reply> {
  const command = parseCommand(args);
  return isError(command) ? command : ctx.server.backend.command(command);
}

function definition(spec: CoreCommandSpec): CommandDefinition {
  const docs = CORE_COMMAND_DOCS[spec.name];
  if (docs === undefined) throw new Error(`command ${spec.name} has no docs`);
  const flags: CommandFlag[] = [spec.write ? "write" : "readonly"];
  if (spec.fast) flags.push("fast");
  return {
    name: spec.name, arity: spec.arity, flags, keys: spec.keys, summary: docs.summary, group: docs.group,
    since: docs.since, complexity: docs.complexity, arguments: syntaxArguments(docs.syntax), run: runCoreCommand,
  };
}

/** Core commands named `container|sub` become subcommands of a container (OBJECT ENCODING). */
function buildDefinitions(): CommandDefinition[] {
  const plain: CommandDefinition[] = [];
  const containers = new Map<string, CommandDefinition[]>();
  for (const spec of CORE_COMMANDS) {
    const bar = spec.name.indexOf("|");
    if (bar < 0) {
      plain.push(definition(spec));
      continue;
    }
    const container = spec.name.slice(0, bar);
    containers.set(container, [...(containers.get(container) ?? []), definition(spec)]);
  }
  for (const [name, subcommands] of containers) {
    plain.push({
      name, arity: -2, flags: [], group: "generic", since: "2.2.3", summary: `A container for ${name} introspection commands`,
      subcommands: [...subcommands, {
        name: `${name}|help`, arity: 2, flags: ["loading", "stale"], group: "generic", since: "6.2.0",
        summary: "Show helpful text about the different subcommands", run: (ctx) => helpReply(ctx, name),
      }],
    });
  }
  return plain;
}

export const CORE_COMMAND_DEFINITIONS: CommandDefinition[] = buildDefinitions();
