// The first bytes a storage node sends on its link to the coordinator, which shares the
// coordinator's client port: 0x00 (no RESP client sends it first: a request starts with '*' or
// with an inline command's text), a fixed magic text, then the node's 32-byte challenge for the
// coordinator (cluster-link.ts). The port takes a connection for a link only once the whole
// opening has arrived and matches; a connection whose bytes stray from the magic at any point is
// a RESP client and gets RESP answers, never a binary frame.

export const LINK_MAGIC = Buffer.from("\0RINGKV-LINK/1\n", "latin1");
export const LINK_NONCE_BYTES = 32;
export const LINK_OPENING_BYTES = LINK_MAGIC.length + LINK_NONCE_BYTES;

export type OpeningVerdict =
  /** The bytes so far match the magic: wait for more. */
  | { kind: "incomplete" }
  /** Not a link: serve RESP. */
  | { kind: "resp" }
  /** A link: the node's challenge, and the bytes that followed the opening. */
  | { kind: "link"; nodeNonce: Buffer; rest: Buffer };

/** Judges the first bytes of a connection (everything received so far). */
export function readOpening(received: Buffer): OpeningVerdict {
  const compared = Math.min(received.length, LINK_MAGIC.length);
  if (!received.subarray(0, compared).equals(LINK_MAGIC.subarray(0, compared))) return { kind: "resp" };
  if (received.length < LINK_OPENING_BYTES) return { kind: "incomplete" };
  return {
    kind: "link",
    nodeNonce: Buffer.from(received.subarray(LINK_MAGIC.length, LINK_OPENING_BYTES)),
    rest: received.subarray(LINK_OPENING_BYTES),
  };
}

export function encodeOpening(nodeNonce: Buffer): Buffer {
  if (nodeNonce.length !== LINK_NONCE_BYTES) throw new RangeError(`a link nonce has ${LINK_NONCE_BYTES} bytes, got ${nodeNonce.length}`);
  return Buffer.concat([LINK_MAGIC, nodeNonce]);
}
