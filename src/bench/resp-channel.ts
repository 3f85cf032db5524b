// The benchmark's connections: plain RespConnections (no reconnect, no retries: a benchmark
// should see failures, not hide them), authenticated first when a password is given.

import { RespReplyError } from "../codec/resp-decoder.js";
import { ConnectionError, RetryableError, TimeoutError } from "../client/errors.js";
import { RespConnection, type SendOptions } from "../client/resp-connection.js";
import type { BenchChannel, FailureKind } from "./runner.js";

export interface ChannelOptions {
  host: string;
  port: number;
  password: string | undefined;
  timeoutMs: number;
}

export async function openBenchChannel(options: ChannelOptions): Promise<BenchChannel> {
  const connection = await RespConnection.connect({ host: options.host, port: options.port });
  if (options.password !== undefined) {
    try {
      await connection.send(["AUTH", options.password]);
    } catch (error) {
      connection.close();
      throw new ConnectionError(`AUTH to ${connection.address} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  const sendOptions: SendOptions = { timeoutMs: options.timeoutMs };
  return {
    send: (args) => connection.send(args, sendOptions),
    close: () => connection.close(),
  };
}

/** A timeout closes its connection (later replies could not be matched), so it ends the lanes too. */
export function classifyBenchFailure(error: unknown): FailureKind {
  if (error instanceof RespReplyError) return { code: error.code, connectionLost: false };
  if (error instanceof RetryableError) return { code: error.code, connectionLost: false };
  if (error instanceof TimeoutError) return { code: "TIMEOUT", connectionLost: true };
  if (error instanceof ConnectionError) return { code: "CONNECTION", connectionLost: true };
  return { code: "CLIENT", connectionLost: true };
}
