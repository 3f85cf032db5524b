// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO and CLIENT. They read and change
// the connection's session; none touches the backend.
import { RingkvError } from "../shared/errors.js";
import type { Bytes, ReplyValue } from "./backend.js";
import type { CommandContext, CommandDefinition, Session } from "./context.js";
import { helpReply } from "./command-docs.js";
import { CLIENT_ADMIN_SUBCOMMANDS, clientInfoLine, DEFAULT_USER } from "./commands-client-admin.js";
import { arityError, notIntegerError, parseInteger, syntaxError, wrongPassError } from "./reply-errors.js";
import { OK, PONG, type Reply } from "./reply.js";

/** The Redis version clients see (feature checks in client libraries key on it). */
export const REDIS_COMPATIBLE_VERSION = "7.0.0";

export const CONNECTION_COMMANDS: CommandDefinition[] = [
  {
    name: "ping", arity: -1, flags: ["fast"], group: "connection", since: "1.0.0", summary: "Ping the server",
    arguments: [{ name: "message", type: "string", optional: true }],
    run: (_ctx, args) => (args.length > 2 ? arityError("ping") : (args[1] ?? PONG)),
  },
  {
    name: "echo", arity: 2, flags: ["fast"], group: "connection", since: "1.0.0", summary: "Echo the given string",
    arguments: [{ name: "message", type: "string" }],
    run: (_ctx, args) => args[1] as Bytes,
  },
  {
    name: "quit", arity: -1, flags: ["fast", "no_auth"], group: "connection", since: "1.0.0",
    summary: "Close the connection after replying to the requests before it",
    run: (ctx) => {
      ctx.session.closeRequested = true;
      return OK;
    },
  },
  {
    name: "select", arity: 2, flags: ["fast"], group: "connection", since: "1.0.0",
    summary: "Change the selected database (ringkv has only database 0)",
    arguments: [{ name: "index", type: "integer" }],
    run: (_ctx, args) => {
      const index = parseInteger(args[1] as Bytes);
      if (index === null) return notIntegerError();
      return index === 0 ? OK : new RingkvError("ERR", "DB index is out of range");
    },
  },
  {
    name: "auth", arity: -2, flags: ["fast", "no_auth"], group: "connection", since: "1.0.0",
    summary: "Authenticate to the server",
    arguments: [{ name: "username", type: "string", optional: true }, { name: "password", type: "string" }],
    run: runAuth,
  },
  {
    name: "hello", arity: -1, flags: ["fast", "no_auth"], group: "connection", since: "6.0.0",
    summary: "Handshake: select the protocol (2 or 3), optionally authenticate and name the connection",
    arguments: [{ name: "arguments", type: "block", optional: true, arguments: [
      { name: "protover", type: "integer" },
      { name: "auth", type: "block", token: "AUTH", optional: true, arguments: [
        { name: "username", type: "string" }, { name: "password", type: "string" },
      ] },
      { name: "clientname", type: "string", token: "SETNAME", optional: true },
    ] }],
    run: runHello,
  },
  {
    name: "client", arity: -2, flags: [], group: "connection", since: "2.4.0",
    summary: "A container for client connection commands",
    subcommands: [
      { name: "client|id", arity: 2, flags: ["noscript", "loading", "stale"], group: "connection", since: "5.0.0",
        summary: "Returns the client ID for the current connection", run: (ctx) => ctx.session.id },
      { name: "client|getname", arity: 2, flags: ["noscript", "loading", "stale"], group: "connection",
        since: "2.6.9", summary: "Get the current connection name", run: (ctx) => ctx.session.name || null },
      { name: "client|setname", arity: 3, flags: ["noscript", "loading", "stale"], group: "connection",
        since: "2.6.9", summary: "Set the current connection name",
        arguments: [{ name: "connection-name", type: "string" }], run: runClientSetName },
      { name: "client|setinfo", arity: 4, flags: ["noscript", "loading", "stale"], group: "connection",
        since: "7.2.0", summary: "Set client library name (LIB-NAME) or version (LIB-VER) for CLIENT INFO",
        arguments: [{ name: "attr", type: "oneof", arguments: [
          { name: "libname", type: "string", token: "LIB-NAME" }, { name: "libver", type: "string", token: "LIB-VER" },
        ] }],
        run: runClientSetInfo },
      { name: "client|info", arity: 2, flags: ["noscript", "loading", "stale"], group: "connection", since: "6.2.0",
        summary: "Returns information about the current client connection",
        run: (ctx) => clientInfoLine(ctx.session, "client|info") },
      { name: "client|list", arity: -2, flags: ["admin", "noscript", "loading", "stale"], group: "connection",
        since: "2.4.0", summary: "Get the list of client connections", run: runClientList },
      ...CLIENT_ADMIN_SUBCOMMANDS,
      { name: "client|help", arity: 2, flags: ["loading", "stale"], group: "connection", since: "5.0.0",
        summary: "Show helpful text about the different subcommands", run: (ctx) => helpReply(ctx, "client") },
    ],
  },
];

function runAuth(ctx: CommandContext, args: Bytes[]): Reply {
  if (args.length > 3) return syntaxError();
  if (args.length === 2 && !ctx.server.passwordRequired) {
    return new RingkvError("ERR", "AUTH <password> called without any password configured for the default user. "
      + "Are you sure your configuration is correct?");
  }
  const [user, password] = args.length === 2 ? [DEFAULT_USER, args[1] as Bytes] : [args[1] as Bytes, args[2] as Bytes];
  if (!authenticate(ctx, user.toString(), password)) return wrongPassError();
  return OK;
}

/** The single `default` user: any password opens it when none is configured (as in Redis). */
function authenticate(ctx: CommandContext, user: string, password: Bytes): boolean {
  const passwordOk = ctx.server.passwordRequired ? ctx.server.passwordMatches(password) : true;
  if (user !== DEFAULT_USER || !passwordOk) return false;
  ctx.session.authenticated = true;
  return true;
}

function runHello(ctx: CommandContext, args: Bytes[]): Reply {
  let protocol = ctx.session.protocol;
  if (args.length >= 2) {
    const requested = parseInteger(args[1] as Bytes);
    if (requested === null) return new RingkvError("ERR", "Protocol version is not an integer or out of range");
    if (requested !== 2 && requested !== 3) return new RingkvError("NOPROTO", "unsupported protocol version");
    protocol = requested;
  }
  let credentials: [Bytes, Bytes] | undefined;
  let clientName: Bytes | undefined;
  for (let i = 2; i < args.length; i++) {
    const option = (args[i] as Bytes).toString();
    const more = args.length - 1 - i;
    if (option.toUpperCase() === "AUTH" && more >= 2) {
      credentials = [args[i + 1] as Bytes, args[i + 2] as Bytes];
      i += 2;
    } else if (option.toUpperCase() === "SETNAME" && more >= 1) {
      clientName = args[++i] as Bytes;
    } else {
      return new RingkvError("ERR", `Syntax error in HELLO option '${option}'`);
    }
  }
  if (credentials && !authenticate(ctx, credentials[0].toString(), credentials[1])) return wrongPassError();
  if (!ctx.session.authenticated) {
    return new RingkvError("NOAUTH", "HELLO must be called with the client already authenticated, otherwise the "
      + "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
      + "version at the same time");
  }
  if (clientName) {
    const invalid = setClientName(ctx.session, clientName);
    if (invalid) return invalid;
  }
  ctx.session.protocol = protocol;
  return helloMap(ctx);
}

function helloMap(ctx: CommandContext): ReplyValue {
  return new Map<string, ReplyValue>([
    ["server", "ringkv"],
    ["version", REDIS_COMPATIBLE_VERSION],
    ["proto", ctx.session.protocol],
    ["id", ctx.session.id],
    // Both ringkv modes look like a standalone Redis to a client: no cluster redirections.
    ["mode", "standalone"],
    ["role", "master"],
    ["modules", []],
  ]);
}

/** Printable ASCII without spaces, as Redis requires of names shown in CLIENT LIST. */
function isPrintableToken(value: Bytes): boolean {
  for (const byte of value) if (byte < 0x21 || byte > 0x7e) return false;
  return true;
}

function setClientName(session: Session, name: Bytes): RingkvError | undefined {
  if (!isPrintableToken(name)) {
    return new RingkvError("ERR", "Client names cannot contain spaces, newlines or special characters.");
  }
  session.name = name.toString();
  return undefined;
}

function runClientSetName(ctx: CommandContext, args: Bytes[]): Reply {
  return setClientName(ctx.session, args[2] as Bytes) ?? OK;
}

function runClientSetInfo(ctx: CommandContext, args: Bytes[]): Reply {
  const attribute = (args[2] as Bytes).toString();
  const value = args[3] as Bytes;
  const lower = attribute.toLowerCase();
  if (lower !== "lib-name" && lower !== "lib-ver") return new RingkvError("ERR", `Unrecognized option '${attribute}'`);
  if (!isPrintableToken(value)) {
    return new RingkvError("ERR", `${attribute} cannot contain spaces, newlines or special characters.`);
  }
  if (lower === "lib-name") ctx.session.libName = value.toString();
  else ctx.session.libVersion = value.toString();
  return OK;
}

function runClientList(ctx: CommandContext, args: Bytes[]): Reply {
  if (args.length > 2) return syntaxError();
  let lines = "";
  for (const session of ctx.server.sessions()) {
    lines += clientInfoLine(session, session === ctx.session ? "client|list" : session.lastCommand);
  }
  return lines;
}

