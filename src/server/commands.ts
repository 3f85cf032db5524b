// Every command the front end answers, gathered into the one table, with the backend's
// extra commands joined in.
import type { Backend } from "./backend.js";
import { CommandTable } from "./command-table.js";
import { CONNECTION_COMMANDS } from "./commands-connection.js";
import { CORE_COMMAND_DEFINITIONS } from "./commands-core.js";
import { DIAGNOSTIC_COMMANDS } from "./commands-diagnostics.js";
import { SERVER_COMMANDS } from "./commands-server.js";
import { KEYSPACE_COMMANDS } from "./commands-keyspace.js";
import { TRANSACTION_COMMANDS } from "./commands-transaction.js";

const ALL_DEFINITIONS = [
  ...CORE_COMMAND_DEFINITIONS, ...CONNECTION_COMMANDS, ...SERVER_COMMANDS, ...TRANSACTION_COMMANDS, ...KEYSPACE_COMMANDS, ...DIAGNOSTIC_COMMANDS,
];

/** The table, without the `disabled` commands (a name that is no command is refused: a typo would disable nothing). */
export function buildCommandTable(backend: Backend, disabled: readonly string[] = []): CommandTable {
  const unknown = disabled.filter((name) => !ALL_DEFINITIONS.some((definition) => definition.name === name));
  if (unknown.length > 0) throw new Error(`cannot disable unknown commands: ${unknown.join(", ")}`);
  const table = new CommandTable(ALL_DEFINITIONS.filter((definition) => !disabled.includes(definition.name)));
  table.addExtra(backend.extraCommands?.() ?? []);
  return table;
}
