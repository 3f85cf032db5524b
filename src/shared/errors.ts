// Expected failures as values with stable codes. The code is what a RESP client sees as the
// first word of the error reply (`-TRYAGAIN ...`), so it doubles as the wire error prefix.

export type ErrorCode =
  | "ERR" // a bad request: wrong arity, bad argument, over a limit
  | "WRONGPASS" // AUTH with a wrong password
  | "NOAUTH" // a command before AUTH when a password is configured
  | "NOPROTO" // HELLO with a protocol version we do not speak
  | "TRYAGAIN" // a retryable failure: a replica is down, a key is busy
  | "TIMEOUT" // the deadline passed; the outcome of a write may be unknown
  | "READONLY" // a write sent to a process that does not take writes
  | "CLUSTERDOWN"; // not enough of the cluster is up to serve the request

export class RingkvError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RingkvError";
    this.code = code;
  }

  /** The text of the RESP error reply: the code, then the message. */
  toResp(): string {
    return `${this.code} ${this.message}`;
  }
}
