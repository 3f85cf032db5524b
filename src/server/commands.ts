// Every command the front end answers, gathered into the one table, with the backend's
// extra commands joined in.
import type { Backend } from "./backend.js";
import { CommandTable } from "./command-table.js";
import { CONNECTION_COMMANDS } from "./commands-connection.js";
import { DATA_COMMANDS } from "./commands-data.js";
import { SERVER_COMMANDS } from "./commands-server.js";

export function buildCommandTable(backend: Backend): CommandTable {
  const table = new CommandTable([...DATA_COMMANDS, ...CONNECTION_COMMANDS, ...SERVER_COMMANDS]);
  table.addExtra(backend.extraCommands?.() ?? []);
  return table;
}
