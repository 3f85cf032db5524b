// A Session's link over a RespConnection: every request gets the client's deadline, and the
// connection's close is reported once to the session.

import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { RespConnection } from "./resp-connection.js";
import type { Link } from "./session.js";

export interface LinkAddress {
  host: string;
  port: number;
  connectTimeoutMs: number;
  timeoutMs: number;
  tls?: TlsConnectionOptions;
}

export async function openRespLink(address: LinkAddress, onClose: (reason: string) => void): Promise<Link> {
  const connection = await RespConnection.connect({
    host: address.host, port: address.port, connectTimeoutMs: address.connectTimeoutMs, tls: address.tls,
  });
  connection.onClose(onClose);
  return {
    send: (args) => connection.send(args, { timeoutMs: address.timeoutMs }),
    close: () => connection.close(),
    get closed() {
      return connection.closed;
    },
  };
}
