// The expected failures a client can get from the coordinator, each with the RESP error code it
// maps to (src/shared/errors.ts). Messages say what happened and what to do about it.

import type { ClientError } from "./types.js";

/** Retryable: a replica is down, a key is busy, a bound was hit. Nothing was applied. */
export function tryAgain(message: string): ClientError {
  return { code: "TRYAGAIN", message };
}

/** Not enough of the cluster is there to serve anything. Nothing was applied. */
export function clusterDown(message: string): ClientError {
  return { code: "CLUSTERDOWN", message };
}

/** The deadline passed. `outcomeUnknown`: the write may or may not be applied. */
export function deadlinePassed(message: string, outcomeUnknown: boolean): ClientError {
  return outcomeUnknown ? { code: "TIMEOUT", message, outcomeUnknown } : { code: "TIMEOUT", message };
}

/** The request cannot be done as asked (the message says why); nothing was changed. */
export function errorReply(message: string): ClientError {
  return { code: "ERR", message };
}
