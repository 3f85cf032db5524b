// RESP encoding. ReplyWriter appends replies (RESP2 or RESP3, switchable between replies, since
// HELLO changes a connection's protocol) into one growing slab, so a server answers a whole
// pipelined batch with a single socket write; take() hands out the batch as a view of the slab,
// without copying, and the next replies go into the slab's free space after it.
// encodeCommand() is the client side: one command as a RESP array of bulk strings.

const SLAB_BYTES = 64 * 1024;
const CRLF_BYTES = 2;
/** A type byte, the 16 digits of a length up to Number.MAX_SAFE_INTEGER, "\r\n". */
const LENGTH_HEADER_BYTES_MAX = 1 + 16 + CRLF_BYTES;

/** Replies common enough to be copied from a buffer made once. */
export const RESP_OK = Buffer.from("+OK\r\n");
export const RESP_ZERO = Buffer.from(":0\r\n");
export const RESP_ONE = Buffer.from(":1\r\n");
export const RESP2_NULL = Buffer.from("$-1\r\n");
export const RESP2_NULL_ARRAY = Buffer.from("*-1\r\n");
export const RESP3_NULL = Buffer.from("_\r\n");
export const RESP_EMPTY_ARRAY = Buffer.from("*0\r\n");

/** CR and LF would end a line early and break the framing of everything after it. */
function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, " ") : text;
}

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return String(value);
}

export class ReplyWriter {
  /** The protocol of the replies appended from now on. */
  protocol: 2 | 3;
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** Replies not yet taken are slab[start, end). */
  private start = 0;
  private end = 0;

  constructor(protocol: 2 | 3 = 2) {
    this.protocol = protocol;
  }

  /** Bytes appended and not yet taken. */
  get byteLength(): number {
    return this.end - this.start;
  }

  /** Everything appended since the last take(), as one buffer (empty when nothing was). */
  take(): Buffer {
    const batch = this.slab.subarray(this.start, this.end);
    this.start = this.end;
    // Do not keep a slab grown for one huge batch: it would stay pinned by small later batches.
    if (this.slab.length > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.start = this.end = 0;
    }
    return batch;
  }

  /** Bytes that already are a complete encoded reply (e.g. RESP_OK). */
  raw(encoded: Buffer): this {
    this.reserve(encoded.length);
    this.end += encoded.copy(this.slab, this.end);
    return this;
  }

  simple(text: string): this {
    return text === "OK" ? this.raw(RESP_OK) : this.line("+", oneLine(text));
  }

  /** `text` is the whole error reply, code first: "ERR unknown command 'FOO'". */
  error(text: string): this {
    return this.line("-", oneLine(text));
  }

  integer(value: number | bigint): this {
    if (value === 0) return this.raw(RESP_ZERO);
    if (value === 1) return this.raw(RESP_ONE);
    if (typeof value === "number" && !Number.isInteger(value)) {
      throw new Error(`RESP integer reply must be an integer, got ${value}`);
    }
    return this.line(":", String(value));
  }

  /** A bulk string; bytes are copied into the slab (TypedArray set: no Buffer view is made). */
  bulk(value: Uint8Array | string | null): this {
    if (value === null) return this.null();
    const bytes = typeof value === "string" ? Buffer.byteLength(value) : value.length;
    this.reserve(LENGTH_HEADER_BYTES_MAX + bytes + CRLF_BYTES);
    this.lengthHeader(0x24, bytes);
    if (typeof value === "string") this.end += this.slab.write(value, this.end, "utf8");
    else {
      this.slab.set(value, this.end);
      this.end += bytes;
    }
    this.crlf();
    return this;
  }

  /** A missing value: RESP2 `$-1`, RESP3 `_`. */
  null(): this {
    return this.raw(this.protocol === 3 ? RESP3_NULL : RESP2_NULL);
  }

  /** A missing array: RESP2 `*-1`, RESP3 `_`. */
  nullArray(): this {
    return this.raw(this.protocol === 3 ? RESP3_NULL : RESP2_NULL_ARRAY);
  }

  /** Starts an array; the caller appends `length` elements next. */
  arrayHeader(length: number): this {
    if (length === 0) return this.raw(RESP_EMPTY_ARRAY);
    if (length < 0 || !Number.isSafeInteger(length)) return this.line("*", String(length));
    this.reserve(LENGTH_HEADER_BYTES_MAX);
    this.lengthHeader(0x2a, length);
    return this;
  }

  /** An array of bulk strings (null elements as nulls). */
  bulkArray(items: readonly (Buffer | string | null)[]): this {
    this.arrayHeader(items.length);
    for (const item of items) this.bulk(item);
    return this;
  }

  /** Starts a map of `entries` key/value pairs (RESP2: a flat array of 2 × entries elements). */
  mapHeader(entries: number): this {
    return this.protocol === 3 ? this.line("%", String(entries)) : this.arrayHeader(entries * 2);
  }

  /** Starts a set (RESP2: an array). */
  setHeader(length: number): this {
    return this.protocol === 3 ? this.line("~", String(length)) : this.arrayHeader(length);
  }

  /** RESP3 `,`; RESP2 has no double type and sends its text as a bulk string, as Redis does. */
  double(value: number): this {
    return this.protocol === 3 ? this.line(",", formatDouble(value)) : this.bulk(formatDouble(value));
  }

  /** RESP3 `#t`/`#f`; RESP2 `:1`/`:0`. */
  boolean(value: boolean): this {
    if (this.protocol === 3) return this.line("#", value ? "t" : "f");
    return this.raw(value ? RESP_ONE : RESP_ZERO);
  }

  private line(type: string, text: string): this {
    this.reserve(1 + Buffer.byteLength(text) + CRLF_BYTES);
    this.slab[this.end++] = type.charCodeAt(0);
    this.end += this.slab.write(text, this.end, "utf8");
    this.crlf();
    return this;
  }

  /** `<type><n>\r\n` for a length n >= 0, digits written in place (no string is made). */
  private lengthHeader(type: number, n: number): void {
    const slab = this.slab;
    slab[this.end++] = type;
    let digits = 1;
    for (let power = 10; power <= n; power *= 10) digits++;
    let at = this.end + digits;
    this.end = at;
    do {
      slab[--at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    this.crlf();
  }

  private crlf(): void {
    this.slab[this.end++] = 0x0d;
    this.slab[this.end++] = 0x0a;
  }

  /** Makes room for `bytes` more, moving the untaken replies to a larger slab when needed. */
  private reserve(bytes: number): void {
    if (this.end + bytes <= this.slab.length) return;
    const pending = this.end - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, (pending + bytes) * 2));
    this.slab.copy(next, 0, this.start, this.end);
    this.slab = next;
    this.start = 0;
    this.end = pending;
  }
}

/** One command as a RESP array of bulk strings, in one buffer. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  let bytes = 1 + String(args.length).length + CRLF_BYTES;
  const lengths = new Array<number>(args.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string | Buffer;
    const length = typeof arg === "string" ? Buffer.byteLength(arg) : arg.length;
    lengths[i] = length;
    bytes += 1 + String(length).length + CRLF_BYTES + length + CRLF_BYTES;
  }
  const out = Buffer.allocUnsafe(bytes);
  let pos = out.write(`*${args.length}\r\n`, 0, "latin1");
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string | Buffer;
    pos += out.write(`$${lengths[i] as number}\r\n`, pos, "latin1");
    pos += typeof arg === "string" ? out.write(arg, pos, "utf8") : arg.copy(out, pos);
    out[pos++] = 0x0d;
    out[pos++] = 0x0a;
  }
  return out;
}
