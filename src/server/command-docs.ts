// The command table as Redis's introspection commands show it: COMMAND / COMMAND INFO
// entries, COMMAND DOCS maps (redis-cli builds `help` and its hints from these) and the
// HELP text of container commands.
import type { KeyPositions, ReplyValue } from "./backend.js";
import type { ArgumentDoc, CommandContext, CommandSpec } from "./context.js";

const simple = (text: string): ReplyValue => ({ simple: text });

/** COMMAND INFO's entry: name, arity, flags, first/last/step, ACL categories, tips, key specs, subcommands. */
export function commandInfoEntry(spec: CommandSpec): ReplyValue {
  const keys = spec.keys;
  const subcommands = spec.subcommands ? [...spec.subcommands.values()].map(commandInfoEntry) : [];
  return [
    spec.name,
    spec.arity,
    spec.flags.map(simple),
    keys?.first ?? 0,
    keys?.last ?? 0,
    keys?.step ?? 0,
    aclCategories(spec).map(simple),
    [],
    keys ? [keySpec(spec, keys)] : [],
    subcommands,
  ];
}

function aclCategories(spec: CommandSpec): string[] {
  const categories: string[] = [];
  if (spec.write) categories.push("@write");
  if (spec.flags.includes("readonly")) categories.push("@read");
  const groupCategory: Record<string, string> = { string: "@string", generic: "@keyspace", connection: "@connection" };
  if (groupCategory[spec.group]) categories.push(groupCategory[spec.group] as string);
  if (spec.flags.includes("admin")) categories.push("@admin", "@dangerous");
  categories.push(spec.flags.includes("fast") ? "@fast" : "@slow");
  return categories;
}

/** Redis 7 key specs: keys start at an index and run to `lastkey` (relative, or -1 = the end). */
function keySpec(spec: CommandSpec, keys: KeyPositions): ReplyValue {
  return new Map<string, ReplyValue>([
    ["flags", (spec.write ? ["RW", "update"] : ["RO", "access"]).map(simple)],
    ["begin_search", new Map<string, ReplyValue>([
      ["type", "index"], ["spec", new Map([["index", keys.first]])],
    ])],
    ["find_keys", new Map<string, ReplyValue>([
      ["type", "range"],
      ["spec", new Map([["lastkey", keys.last < 0 ? keys.last : keys.last - keys.first], ["keystep", keys.step], ["limit", 0]])],
    ])],
  ]);
}

/** COMMAND DOCS's map for one command. */
export function commandDocs(spec: CommandSpec): ReplyValue {
  const docs = new Map<string, ReplyValue>([
    ["summary", spec.summary],
    ["since", spec.since],
    ["group", spec.group],
  ]);
  if (spec.complexity) docs.set("complexity", spec.complexity);
  if (spec.arguments) docs.set("arguments", spec.arguments.map(argumentDocs));
  if (spec.subcommands) {
    docs.set("subcommands", new Map([...spec.subcommands.values()].map((sub) => [sub.name, commandDocs(sub)])));
  }
  return docs;
}

function argumentDocs(argument: ArgumentDoc): ReplyValue {
  const docs = new Map<string, ReplyValue>([["name", argument.name], ["type", argument.type]]);
  if (argument.token) docs.set("token", argument.token);
  const flags: string[] = [];
  if (argument.optional) flags.push("optional");
  if (argument.multiple) flags.push("multiple");
  if (flags.length > 0) docs.set("flags", flags.map(simple));
  if (argument.arguments) docs.set("arguments", argument.arguments.map(argumentDocs));
  return docs;
}

/** A container's HELP: one line per subcommand, in Redis's layout. */
export function helpReply(ctx: CommandContext, containerName: string): ReplyValue {
  const container = ctx.server.commands.get(containerName);
  const upper = containerName.toUpperCase();
  const lines: ReplyValue[] = [simple(`${upper} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const sub of container?.subcommands?.values() ?? []) {
    lines.push(simple(`${sub.name.slice(containerName.length + 1).toUpperCase()}`), simple(`    ${sub.summary}.`));
  }
  return lines;
}
