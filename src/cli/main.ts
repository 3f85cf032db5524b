// The `ringkv` command: every subcommand is registered here; each lives in its own file.

import { Command } from "commander";
import { VERSION } from "../runtime/version.js";
import { registerBenchCommand } from "./bench-command.js";
import { registerCheckCommand } from "./check-command.js";
import { registerCliCommand } from "./cli-command.js";
import { registerCoordinatorCommand } from "./coordinator-command.js";
import { registerNodeCommand } from "./node-command.js";
import { registerRemoveCommand } from "./remove-command.js";
import { registerSimCommand } from "./sim-command.js";
import { registerStartCommand } from "./start-command.js";
import { registerRepairCommand } from "./repair-command.js";
import { registerStatusCommand } from "./status-command.js";

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("ringkv")
    .description("ringkv: a durable, replicated key-value store that speaks the Redis protocol")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions();
  registerStartCommand(program);
  registerCoordinatorCommand(program);
  registerNodeCommand(program);
  registerCliCommand(program);
  registerStatusCommand(program);
  registerRepairCommand(program);
  registerRemoveCommand(program);
  registerBenchCommand(program);
  registerSimCommand(program);
  registerCheckCommand(program);
  await program.parseAsync(argv);
}
