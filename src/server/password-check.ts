// Checking a client's password against the configured one (AUTH on the RESP port, basic auth on
// the HTTP port). Comparing SHA-256 digests keeps the comparison constant-time whatever the
// candidate's length.
import { createHash, timingSafeEqual } from "node:crypto";

/** A checker for `password`; undefined when no password is configured. */
export function passwordChecker(password: string | undefined): ((candidate: Buffer) => boolean) | undefined {
  if (password === undefined) return undefined;
  const digest = sha256(Buffer.from(password));
  return (candidate) => timingSafeEqual(sha256(candidate), digest);
}

function sha256(bytes: Buffer): Buffer {
  return createHash("sha256").update(bytes).digest();
}
