// The errors the ringkv client library rejects with. Every one is a RingkvClientError with a
// stable `code`: for an error the server replied, the code is the reply's first word (ERR,
// TRYAGAIN, WRONGPASS, ...); for failures the client sees itself it is CONNECTION, TIMEOUT or
// NOTCOORDINATOR. Callers branch on the class or on `code`, never on message text.

export class RingkvClientError extends Error {
  readonly code: string;
  /** For an error the server replied: the reply's text as sent ("ERR unknown command 'FOO'"). */
  readonly reply: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; reply?: string }) {
    super(message, options);
    this.name = "RingkvClientError";
    this.code = code;
    this.reply = options?.reply;
  }
}

/**
 * The connection could not be made, or was lost before a reply came. Nothing was acknowledged;
 * `outcomeUnknown` is true when a write had been sent before the loss (it may have been applied).
 */
export class ConnectionError extends RingkvClientError {
  readonly outcomeUnknown: boolean;

  constructor(message: string, options: { outcomeUnknown?: boolean; cause?: unknown } = {}) {
    super("CONNECTION", message, options);
    this.name = "ConnectionError";
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

/**
 * No reply came within the deadline (client side), or the server said TIMEOUT. For a write the
 * outcome is unknown: it may or may not have been applied, and reading the key tells which.
 */
export class TimeoutError extends RingkvClientError {
  readonly outcomeUnknown: boolean;

  constructor(message: string, options: { outcomeUnknown: boolean; cause?: unknown; reply?: string }) {
    super("TIMEOUT", message, options);
    this.name = "TimeoutError";
    this.outcomeUnknown = options.outcomeUnknown;
  }
}

/** The server refused for now (TRYAGAIN, CLUSTERDOWN): nothing was applied, a later try may work. */
export class RetryableError extends RingkvClientError {
  constructor(code: "TRYAGAIN" | "CLUSTERDOWN", message: string, options?: { cause?: unknown; reply?: string }) {
    super(code, message, options);
    this.name = "RetryableError";
  }
}

/** The server rejected the request (ERR, READONLY, WRONGTYPE, ...): sending it again will not help. */
export class ServerError extends RingkvClientError {
  constructor(code: string, message: string, options?: { cause?: unknown; reply?: string }) {
    super(code, message, options);
    this.name = "ServerError";
  }
}

/** A cluster view (RINGKV NODES, RINGKV LOCATE) asked of a process that is not a coordinator. */
export class NotCoordinatorError extends RingkvClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("NOTCOORDINATOR", message, options);
    this.name = "NotCoordinatorError";
  }
}

/** The server answered something this client cannot read as the command's result (a bug, or not a RESP server). */
export class UnexpectedReplyError extends RingkvClientError {
  constructor(message: string) {
    super("UNEXPECTED_REPLY", message);
    this.name = "UnexpectedReplyError";
  }
}

/** The password was wrong, missing (NOAUTH), or given to a server that has none. */
export class AuthError extends RingkvClientError {
  constructor(code: string, message: string, options?: { cause?: unknown; reply?: string }) {
    super(code, message, options);
    this.name = "AuthError";
  }
}

/**
 * A cluster view's error: an unknown-command reply means the server is not a ringkv coordinator
 * (a storage node, redis-server, ...), which deserves a message that says so.
 */
export function clusterViewError(error: RingkvClientError, view: string, address: string): RingkvClientError {
  if (!(error instanceof ServerError) || !/unknown (sub)?command/i.test(error.message)) return error;
  return new NotCoordinatorError(
    `${view} is answered by a ringkv coordinator only, and ${address} is not one (it answered: ${error.reply ?? error.message})`,
    { cause: error },
  );
}

/** The typed error for an error reply `-CODE message` to `command` (the command's name). */
export function errorFromReply(code: string, message: string, command: string, isWrite: boolean): RingkvClientError {
  const reply = message.length > 0 ? `${code} ${message}` : code;
  const text = `${command} failed: ${reply}`;
  switch (code) {
    case "TRYAGAIN":
    case "CLUSTERDOWN":
      return new RetryableError(code, text, { reply });
    case "TIMEOUT":
      return new TimeoutError(
        isWrite ? `${text} (the write may or may not have been applied)` : text,
        { outcomeUnknown: isWrite, reply },
      );
    case "WRONGPASS":
    case "NOAUTH":
      return new AuthError(code, text, { reply });
    default:
      return new ServerError(code, text, { reply });
  }
}
