// Test doubles and helpers for the RESP front end's tests: an in-memory Backend (a Map;
// a stand-in for the storage engine that can answer synchronously or asynchronously, hold
// writes like a slow fsync, and fail on demand), a server starter, and a raw socket client
// for exact-byte assertions. The lead's end-to-end tests use the real storage node.
import { connect, type Socket } from "node:net";
import type { Limits } from "../../src/shared/limits.js";
import { executeCommand, planCommand, type Command, type CommandReply, type Entry } from "../../src/core/commands/index.js";
import type { Backend, Bytes, CommandOptions, InfoSections, WatchHandle } from "../../src/server/backend.js";
import { encodeCommand } from "../../src/codec/resp-encoder.js";
import { startRespServer, type RespServer, type RespServerOptions } from "../../src/server/server.js";

export { encodeCommand };

export class MemoryBackend implements Backend {
  /** Key (latin1) -> value, for keys that hold a string with no deadline (what most tests look at). */
  readonly data = new Map<string, Buffer>();
  /** Key (latin1) -> what it holds, for every other key (hashes, strings with a deadline). */
  readonly otherEntries = new Map<string, Entry>();
  /** Marks of WATCH still held. */
  readonly watchers = new Set<WatchHandle>();
  /** Answer through promises, as a disk-backed store does. */
  answerAsync = false;
  /** Calls in the order they reached the backend, e.g. "set a", "get b". */
  readonly calls: string[] = [];
  /** Off for benchmarks: building the call log costs more than the calls. */
  recordCalls = true;
  /** The next call throws this (once). */
  failNext: unknown = undefined;
  private hits = 0;
  private misses = 0;
  private readonly gates: { reads?: Promise<void>; writes?: Promise<void> } = {};

  /** Calls of that kind wait (a write is not applied) until the returned function is called: a stuck disk. */
  hold(kind: "reads" | "writes"): () => void {
    let release!: () => void;
    this.gates[kind] = new Promise((resolve) => (release = resolve));
    return () => {
      delete this.gates[kind];
      release();
    };
  }

  /** Runs the command with src/core/commands over the map; the call is logged as "set a", "mget a b". */
  command(command: Command, options: CommandOptions = {}): CommandReply | Promise<CommandReply> {
    const plan = planCommand(command);
    const call = () => `${command.kind} ${plan.keys.map((key) => Buffer.from(key).toString("latin1")).join(" ")}`;
    const run = () => {
      if (options.watched?.some((handle) => handle.dirty)) return { kind: "nilArray" } as const;
      const current = plan.keys.map((key) => this.entryOf(Buffer.from(key).toString("latin1")));
      const { reply, writes } = executeCommand(command, current, Date.now());
      writes.forEach((entry, index) => {
        if (entry === undefined) return;
        const name = Buffer.from(plan.keys[index] as Uint8Array).toString("latin1");
        this.store(name, entry);
        for (const handle of this.watchers) if (handle.key.toString("latin1") === name) handle.dirty = true;
      });
      if (command.kind === "get") {
        if (reply.kind === "nil") this.misses++;
        else this.hits++;
      }
      return reply;
    };
    return plan.write ? this.write(call, run) : this.read(call, run);
  }

  /** WATCH: a mark per key, dirty once a command writes the key. */
  watch(keys: Bytes[]): WatchHandle[] {
    const handles = keys.map((key) => ({ key, dirty: false, expiresAtMs: undefined }));
    for (const handle of handles) this.watchers.add(handle);
    return handles;
  }

  unwatch(handles: readonly WatchHandle[]): void {
    for (const handle of handles) this.watchers.delete(handle);
  }

  private entryOf(name: string): Entry | null {
    const value = this.data.get(name);
    return value === undefined ? (this.otherEntries.get(name) ?? null) : { kind: "string", value };
  }

  private store(name: string, entry: Entry | null): void {
    this.data.delete(name);
    this.otherEntries.delete(name);
    if (entry?.kind === "string" && entry.expiresAtMs === undefined) this.data.set(name, Buffer.from(entry.value));
    else if (entry !== null) this.otherEntries.set(name, entry);
  }

  dbsize(): number | Promise<number> {
    return this.read(() => "dbsize", () => this.data.size + this.otherEntries.size);
  }

  info(): InfoSections {
    return { stats: { keyspace_hits: this.hits, keyspace_misses: this.misses }, storage: { engine: "memory-test-double" } };
  }

  private read<T>(call: () => string, compute: () => T): T | Promise<T> {
    return this.answer(call, this.gates.reads, compute);
  }

  private write<T>(call: () => string, apply: () => T): T | Promise<T> {
    return this.answer(call, this.gates.writes, apply);
  }

  /** Synchronously unless asked otherwise; a failure asked for is thrown, or rejected when async. */
  private answer<T>(call: () => string, gate: Promise<void> | undefined, compute: () => T): T | Promise<T> {
    if (this.recordCalls) this.calls.push(call());
    if (gate === undefined && !this.answerAsync) {
      this.throwIfAsked();
      return compute();
    }
    return (gate ?? Promise.resolve()).then(() => {
      this.throwIfAsked();
      return compute();
    });
  }

  private throwIfAsked(): void {
    const failure = this.failNext;
    if (failure === undefined) return;
    this.failNext = undefined;
    throw failure;
  }
}

export interface TestServer {
  server: RespServer;
  backend: MemoryBackend;
  port: number;
}

export async function startTestServer(
  port: number,
  options: { limits?: Partial<Limits>; password?: string; backend?: MemoryBackend } & Partial<RespServerOptions> = {},
): Promise<TestServer> {
  const backend = options.backend ?? new MemoryBackend();
  const server = await startRespServer({
    ...options,
    host: "127.0.0.1",
    port,
    backend,
    serverInfo: { mode: "standalone", version: "0.1.0-test" },
  });
  return { server, backend, port: server.address().port };
}

/** A socket that collects everything the server sends, for exact-byte assertions. */
export class RawClient {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  private receivedBytes = 0;
  private closedFlag = false;
  private endedFlag = false;
  private waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.receivedBytes += chunk.length;
      this.wake();
    });
    socket.on("close", () => {
      this.closedFlag = true;
      this.wake();
    });
    socket.on("end", () => {
      this.endedFlag = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  /** `allowHalfOpen`: the client does not close its side when the server closes its own. */
  static open(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: options.allowHalfOpen ?? false }, () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** True once the server has ended its side (the socket may stay open on ours: allowHalfOpen). */
  get ended(): boolean {
    return this.endedFlag;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends commands as RESP arrays of bulk strings, all in one write. */
  sendCommands(...commands: Array<Array<string | Buffer>>): void {
    this.send(Buffer.concat(commands.map(encodeCommand)));
  }

  /** Waits until `byteCount` bytes arrived (or the socket closed), then takes them. */
  async takeBytes(byteCount: number, timeoutMs = 5000): Promise<Buffer> {
    await this.waitFor(() => this.receivedBytes >= byteCount || this.closedFlag, timeoutMs);
    const all = Buffer.concat(this.chunks);
    const taken = all.subarray(0, byteCount);
    this.chunks = [all.subarray(taken.length)];
    this.receivedBytes -= taken.length;
    return taken;
  }

  async take(byteCount: number, timeoutMs = 5000): Promise<string> {
    return (await this.takeBytes(byteCount, timeoutMs)).toString("latin1");
  }

  /** Reads up to the next CRLF (a reply's first line). */
  async line(timeoutMs = 5000): Promise<string> {
    await this.waitFor(() => this.pending().includes("\r\n") || this.closedFlag, timeoutMs);
    const end = this.pending().indexOf("\r\n");
    return this.take(end < 0 ? this.receivedBytes : end + 2);
  }

  /** A whole bulk string reply's payload (after its `$N` line). */
  async bulkPayload(timeoutMs = 5000): Promise<string> {
    const header = await this.line(timeoutMs);
    if (!header.startsWith("$")) throw new Error(`expected a bulk string, got ${JSON.stringify(header)}`);
    return (await this.take(Number(header.slice(1, -2)) + 2, timeoutMs)).slice(0, -2);
  }


  /** Waits for exactly `expected` to arrive next and returns what did arrive. */
  expect(expected: string, timeoutMs = 5000): Promise<string> {
    return this.take(Buffer.byteLength(expected, "latin1"), timeoutMs);
  }

  /** Waits until what arrived (and was not taken) satisfies `ready`. */
  async until(ready: (pending: string) => boolean, timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => ready(this.pending()), timeoutMs);
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => this.closedFlag, timeoutMs);
  }

  /** Whatever arrived and was not taken yet. */
  pending(): string {
    return Buffer.concat(this.chunks).toString("latin1");
  }

  close(): void {
    this.socket.destroy();
  }

  private waitFor(ready: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        reject(new Error(`timed out after ${timeoutMs} ms; received so far: ${JSON.stringify(this.pending().slice(0, 300))}`));
      }, timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A bulk string reply's bytes, e.g. bulk("b") -> "$1\r\nb\r\n". */
export function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/**
 * Test servers on free ports and raw clients, all closed by closeAll() (call it in afterEach).
 * `port` is the port the server got.
 */
export function testResources(): {
  server(options?: Parameters<typeof startTestServer>[1]): Promise<TestServer>;
  client(port: number, options?: { allowHalfOpen?: boolean }): Promise<RawClient>;
  closeAll(): Promise<void>;
} {
  const cleanups: Array<() => unknown> = [];
  return {
    async server(options = {}) {
      const started = await startTestServer(0, options);
      cleanups.push(() => started.server.close());
      return { ...started, port: started.server.address().port };
    },
    async client(port, options = {}) {
      const opened = await RawClient.open(port, options);
      cleanups.push(() => opened.close());
      return opened;
    },
    async closeAll() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
