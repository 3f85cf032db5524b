// The typed client: one method per operation, keys and values as string | Buffer, results as
// Buffers, numbers and booleans, failures as typed errors (./errors.ts). Reads are retried a few
// times on failures a later try may fix; writes are never retried by the client.

import type { RespValue } from "../codec/resp-decoder.js";
import { parseLocation, parseNodes, type KeyLocation, type NodeInfo } from "./cluster-views.js";
import { clusterViewError, RingkvClientError } from "./errors.js";
import { parseInfo, type InfoSections } from "./info.js";
import { bulkOrNull, integer, list, text } from "./reply-shapes.js";
import type { Session, WireArgs } from "./session.js";

export type Key = string | Buffer;
export type Value = string | Buffer;

export interface PutOptions {
  /** Write only if the key does not exist. */
  nx?: boolean;
  /** Write only if the key exists. */
  xx?: boolean;
}

export class RingkvClient {
  constructor(private readonly session: Session, readonly address: string) {}

  /** The value of `key`, or null when it does not exist. */
  async get(key: Key): Promise<Buffer | null> {
    return bulkOrNull(await this.read(["GET", key]), "GET");
  }

  /** The value of `key` as UTF-8 text, or null when it does not exist. */
  async getString(key: Key): Promise<string | null> {
    return (await this.get(key))?.toString("utf8") ?? null;
  }

  /** Stores `value`; resolves false when NX or XX kept it from being written. */
  async put(key: Key, value: Value, options: PutOptions = {}): Promise<boolean> {
    if (options.nx && options.xx) throw new RingkvClientError("USAGE", "put: nx and xx cannot both be set");
    const args: WireArgs = ["SET", key, value];
    if (options.nx) args.push("NX");
    if (options.xx) args.push("XX");
    return (await this.write(args)) !== null;
  }

  /** Deletes the keys, atomically; resolves with how many of them existed. */
  async delete(...keys: Key[]): Promise<number> {
    if (keys.length === 0) return 0;
    return integer(await this.write(["DEL", ...keys]), "DEL");
  }

  /** The values of the keys, in order, null for each one that does not exist. */
  async mget(...keys: Key[]): Promise<Array<Buffer | null>> {
    if (keys.length === 0) return [];
    return list(await this.read(["MGET", ...keys]), "MGET").map((item) => bulkOrNull(item, "MGET"));
  }

  /** Stores every pair, atomically: from a record ({ k: "v" }), a Map, or [key, value] pairs. */
  async mset(entries: Record<string, Value> | Iterable<readonly [Key, Value]>): Promise<void> {
    const pairs = Symbol.iterator in entries ? [...(entries as Iterable<readonly [Key, Value]>)] : Object.entries(entries);
    if (pairs.length === 0) return;
    await this.write(["MSET", ...pairs.flat()]);
  }

  /** How many of the keys exist (a key named twice counts twice). */
  async exists(...keys: Key[]): Promise<number> {
    if (keys.length === 0) return 0;
    return integer(await this.read(["EXISTS", ...keys]), "EXISTS");
  }

  /** "PONG", or the message given. */
  async ping(message?: string): Promise<string> {
    return text(await this.read(message === undefined ? ["PING"] : ["PING", message]), "PING");
  }

  /** The server's INFO, all sections or one, as section -> field -> value. */
  async info(section?: string): Promise<InfoSections> {
    return parseInfo(text(await this.read(section === undefined ? ["INFO"] : ["INFO", section]), "INFO"));
  }

  /** The cluster's storage nodes; a NotCoordinatorError when the server is not a coordinator. */
  async nodes(): Promise<NodeInfo[]> {
    return parseNodes(await this.clusterView(["RINGKV", "NODES"], "RINGKV NODES"));
  }

  /** Where a key lives: its partition and replicas, primary first (coordinator only). */
  async locate(key: Key): Promise<KeyLocation> {
    return parseLocation(await this.clusterView(["RINGKV", "LOCATE", key], "RINGKV LOCATE"));
  }

  /**
   * Any command, sent as given, with its raw reply (error replies still reject). It is treated as
   * a write: never retried, and its outcome is unknown if the connection is lost.
   */
  async command(...args: Array<string | Buffer>): Promise<RespValue> {
    return this.write(args);
  }

  /** Connects (and authenticates) now, if not connected yet; rejects as a call would. */
  async ready(): Promise<void> {
    await this.session.ready();
  }

  /** Closes the connection; later calls fail with a ConnectionError. */
  async close(): Promise<void> {
    this.session.close();
  }

  private read(args: WireArgs): Promise<RespValue> {
    return this.session.call(args, "read");
  }

  private write(args: WireArgs): Promise<RespValue> {
    return this.session.call(args, "write");
  }

  private async clusterView(args: WireArgs, view: string): Promise<RespValue> {
    try {
      return await this.read(args);
    } catch (error) {
      throw error instanceof RingkvClientError ? clusterViewError(error, view, this.address) : error;
    }
  }
}
