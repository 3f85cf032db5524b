// Asks a storage node's RESP port for its DBSIZE: the coordinator's way to count the cluster's keys.

import { RespConnection } from "../client/resp-connection.js";

const COUNT_TIMEOUT_MS = 2_000;

export async function remoteKeyCount(address: string): Promise<number> {
  const separator = address.lastIndexOf(":");
  const connection = await RespConnection.connect({
    host: address.slice(0, separator),
    port: Number(address.slice(separator + 1)),
    connectTimeoutMs: COUNT_TIMEOUT_MS,
  });
  try {
    const count = await connection.send(["DBSIZE"], { timeoutMs: COUNT_TIMEOUT_MS });
    if (typeof count !== "number") throw new Error(`DBSIZE at ${address} answered ${String(count)}`);
    return count;
  } finally {
    connection.close();
  }
}
