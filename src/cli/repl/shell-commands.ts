// The words `ringkv cli` knows: the original design's get/put/delete, the Redis names, the
// cluster views, and the shell's own help and exit. Each one says how it is written (usage),
// what it does, how many arguments it takes, and what is sent to the server. Any other word
// is sent as typed, like redis-cli does.

export interface ShellCommand {
  name: string;
  usage: string;
  summary: string;
  argsMin: number;
  argsMax: number;
  /** Arguments come in key/value pairs (MSET). */
  pairs?: boolean;
  /** The command sent to the server; absent for the shell's own commands. */
  wire?: (args: Buffer[]) => Buffer[];
}

const MANY = Number.POSITIVE_INFINITY;

function sendAs(...prefix: string[]): (args: Buffer[]) => Buffer[] {
  const head = prefix.map((word) => Buffer.from(word));
  return (args) => [...head, ...args];
}

export const SHELL_COMMANDS: readonly ShellCommand[] = [
  { name: "get", usage: "get <key>", summary: "the value of a key, or (nil)", argsMin: 1, argsMax: 1, wire: sendAs("GET") },
  { name: "put", usage: "put <key> <value> [NX|XX]", summary: "store a value (NX: only if absent, XX: only if present)", argsMin: 2, argsMax: 3, wire: sendAs("SET") },
  { name: "delete", usage: "delete <key> [key ...]", summary: "delete keys; answers how many existed", argsMin: 1, argsMax: MANY, wire: sendAs("DEL") },
  { name: "set", usage: "set <key> <value> [NX|XX] [GET]", summary: "the Redis name of put", argsMin: 2, argsMax: MANY, wire: sendAs("SET") },
  { name: "del", usage: "del <key> [key ...]", summary: "the Redis name of delete", argsMin: 1, argsMax: MANY, wire: sendAs("DEL") },
  { name: "mget", usage: "mget <key> [key ...]", summary: "the values of several keys", argsMin: 1, argsMax: MANY, wire: sendAs("MGET") },
  { name: "mset", usage: "mset <key> <value> [key value ...]", summary: "store several values at once, atomically", argsMin: 2, argsMax: MANY, pairs: true, wire: sendAs("MSET") },
  { name: "exists", usage: "exists <key> [key ...]", summary: "how many of the keys exist", argsMin: 1, argsMax: MANY, wire: sendAs("EXISTS") },
  { name: "info", usage: "info [section]", summary: "server information, all of it or one section", argsMin: 0, argsMax: 1, wire: sendAs("INFO") },
  { name: "nodes", usage: "nodes", summary: "the cluster's storage nodes (asks a coordinator)", argsMin: 0, argsMax: 0, wire: sendAs("RINGKV", "NODES") },
  { name: "locate", usage: "locate <key>", summary: "the nodes that hold a key (asks a coordinator)", argsMin: 1, argsMax: 1, wire: sendAs("RINGKV", "LOCATE") },
  { name: "ping", usage: "ping [message]", summary: "check the connection", argsMin: 0, argsMax: 1, wire: sendAs("PING") },
  { name: "help", usage: "help [command]", summary: "this list, or the usage of one command", argsMin: 0, argsMax: 1 },
  { name: "exit", usage: "exit", summary: "leave the shell (also: quit, Ctrl-D)", argsMin: 0, argsMax: 0 },
  { name: "quit", usage: "quit", summary: "leave the shell", argsMin: 0, argsMax: 0 },
];

/** Raw commands offered by tab completion besides the shell's own words. */
const RAW_COMMAND_NAMES = ["auth", "client", "command", "config", "dbsize", "hello"];

export const COMPLETION_NAMES: readonly string[] = [...SHELL_COMMANDS.map((command) => command.name), ...RAW_COMMAND_NAMES].sort();

export function findShellCommand(name: string): ShellCommand | undefined {
  const lower = name.toLowerCase();
  return SHELL_COMMANDS.find((command) => command.name === lower);
}

/** Undefined when the argument count fits, else the message to show. */
export function checkArity(command: ShellCommand, argCount: number): string | undefined {
  const fits = argCount >= command.argsMin && argCount <= command.argsMax && (!command.pairs || argCount % 2 === 0);
  return fits ? undefined : `wrong number of arguments (${argCount}) for ${command.name}; usage: ${command.usage}`;
}

export function helpText(topic?: string): string {
  if (topic !== undefined) {
    const command = findShellCommand(topic);
    if (!command) return `no shell command "${topic}"; any other word is sent to the server as typed`;
    return `${command.usage}\n  ${command.summary}`;
  }
  const width = Math.max(...SHELL_COMMANDS.map((command) => command.usage.length));
  const rows = SHELL_COMMANDS.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`);
  return [
    "Commands:",
    ...rows,
    "Any other command is sent as typed (e.g. dbsize, config get maxclients).",
    'Quote values with spaces: put k "hello world" (escapes: \\n \\t \\" \\\\ \\xHH), or \'single quotes\'.',
    'The call form works too: put("k", "v"), get("k"), delete("k").',
  ].join("\n");
}

/** Tab completion of the first word (node:readline's completer contract). */
export function completeLine(line: string): [string[], string] {
  if (/\s|\(/.test(line.trimStart())) return [[], line];
  const prefix = line.trimStart();
  const upper = prefix.length > 0 && prefix === prefix.toUpperCase() && prefix !== prefix.toLowerCase();
  const hits = COMPLETION_NAMES.filter((name) => name.startsWith(prefix.toLowerCase()));
  return [upper ? hits.map((name) => name.toUpperCase()) : hits, prefix];
}
