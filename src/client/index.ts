// The ringkv client library: `import { connect } from "ringkv"`.
//
//   const db = await connect({ host: "127.0.0.1", port: 6380 });
//   await db.put("greeting", "hello");
//   const value = await db.getString("greeting");   // "hello"
//   await db.close();

export { connect, createClient, DEFAULT_PORT, type ConnectOptions } from "./connect.js";
export { RingkvClient, type Key, type PutOptions, type Value } from "./ringkv-client.js";
export {
  AuthError, ConnectionError, NotCoordinatorError, RetryableError, RingkvClientError, ServerError, TimeoutError, UnexpectedReplyError,
} from "./errors.js";
export type { KeyLocation, NodeInfo, ReplicaInfo } from "./cluster-views.js";
export type { InfoSections } from "./info.js";
export type { ConnectionEvent } from "./session.js";
export type { RespValue } from "../codec/resp-decoder.js";
