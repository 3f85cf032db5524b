// Redis's semantics as pure functions: parse a request, plan its keys, execute it over what the
// keys hold. Used by the standalone node today and by the cluster coordinator (through 2PC:
// prepare = lock and read the planned keys, decision = the writes).
export { CORE_COMMANDS, arityAllows, findCoreCommand, parseCommand, type CoreCommandSpec, type KeyPositions } from "./catalog.js";
export { decodeEntry, encodeEntry, isExpired, EntryFormatError, ENTRY_OVERHEAD_BYTES_MAX, type Entry, type HashEntry, type StringEntry } from "./entry.js";
export { executeCommand, planCommand, type CommandPlan, type CommandResult, type ExecuteOptions } from "./execute.js";
export { refuseOverValueLimit } from "./view.js";
export { ERRORS, isError, type CommandReply, type ErrorReply } from "./reply.js";
export type { Command, CommandKind, Key, SingleCommand } from "./types.js";
