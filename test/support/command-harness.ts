// Runs commands through parseCommand / planCommand / executeCommand over an in-memory map, the
// way a backend does, and renders replies compactly for table-driven tests:
// `:5` integer, `$text` bulk, `nil`, `+OK` status, `-ERR ...` error, `[a,b]` array, `{k=v}` map.
import { keyString } from "../../src/core/cluster/key-string.js";
import { parseCommand } from "../../src/core/commands/catalog.js";
import type { Entry } from "../../src/core/commands/entry.js";
import { executeCommand, planCommand } from "../../src/core/commands/execute.js";
import { isError, type CommandReply } from "../../src/core/commands/reply.js";
import type { Command } from "../../src/core/commands/types.js";

const utf8 = new TextDecoder();

export class CommandHarness {
  readonly store = new Map<string, Entry>();
  nowMs = 1_700_000_000_000;

  /** One request: words split on spaces; 'quoted words' may hold spaces or be empty (''). */
  run(line: string): string {
    const parsed = parse(line);
    return render(isError(parsed) ? parsed : this.execute(parsed));
  }

  /** The requests as one EXEC. */
  exec(lines: string[]): string {
    return render(this.execute({ kind: "exec", commands: lines.map(parse) }));
  }

  execute(command: Command): CommandReply {
    const plan = planCommand(command);
    const current = plan.keys.map((key) => this.store.get(keyString(key)) ?? null);
    const { reply, writes } = executeCommand(command, current, this.nowMs, { random: () => 0 });
    writes.forEach((entry, index) => {
      const name = keyString(plan.keys[index] as Uint8Array);
      if (entry === null) this.store.delete(name);
      else if (entry !== undefined) this.store.set(name, entry);
    });
    return reply;
  }
}

function parse(line: string): ReturnType<typeof parseCommand> {
  const words = (line.match(/'[^']*'|\S+/g) ?? []).map((word) => (word.startsWith("'") ? word.slice(1, -1) : word));
  return parseCommand(words.map((word) => new TextEncoder().encode(word)));
}

export function render(reply: CommandReply): string {
  switch (reply.kind) {
    case "integer": return `:${reply.value}`;
    case "bulk": return `$${utf8.decode(reply.value)}`;
    case "nil": return "nil";
    case "nilArray": return "nil-array";
    case "status": return `+${reply.text}`;
    case "error": return `-${reply.code} ${reply.message}`;
    case "array": return `[${reply.items.map(render).join(",")}]`;
    case "map": return `{${reply.entries.map(([k, v]) => `${render(k)}=${render(v)}`).join(",")}}`;
    case "pairs": return `<${reply.entries.map(([k, v]) => `${render(k)}=${render(v)}`).join(",")}>`;
  }
}
