// The operator commands' connection to the coordinator (status, remove, repair, start's move
// progress): RESP3, so that records arrive as maps (over RESP2 a record and a list look alike),
// authenticated when a password is given (--password, or the environment's RINGKV_PASSWORD).

import { DEFAULT_PORT } from "../client/connect.js";
import { RespConnection } from "../client/resp-connection.js";
import { optionalString, portOption, stringOption, type RawOptions } from "./settings.js";

export interface CoordinatorTarget {
  host: string;
  port: number;
  password: string | undefined;
}

/** --host, --port and --password (or RINGKV_PASSWORD) of an operator command. */
export function coordinatorTarget(flags: RawOptions): CoordinatorTarget {
  return {
    host: stringOption(flags, "host", "127.0.0.1"),
    port: portOption(flags, "port", DEFAULT_PORT),
    password: optionalString(flags, "password") ?? optionalString({ password: process.env.RINGKV_PASSWORD }, "password"),
  };
}

/** Connects and says HELLO 3 (with AUTH when there is a password); the caller closes the connection. */
export async function openCoordinatorSession(target: CoordinatorTarget, timeoutMs: number): Promise<RespConnection> {
  const connection = await RespConnection.connect({ host: target.host, port: target.port, connectTimeoutMs: timeoutMs });
  try {
    const hello = target.password === undefined ? ["HELLO", "3"] : ["HELLO", "3", "AUTH", "default", target.password];
    await connection.send(hello, { timeoutMs });
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}
