// The one hash ringkv uses to place things: MurmurHash3 (x86, 32-bit) over raw bytes.
// It is fixed and documented (docs/DESIGN.md) because data placement depends on it:
// changing it moves every key. Chosen for its avalanche (similar keys land far apart)
// and speed; it is not a cryptographic hash.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3 x86 32-bit of `bytes` with `seed`; an unsigned 32-bit integer. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const length = bytes.length;
  const blockEnd = length - (length & 3);
  let h = seed >>> 0;
  let i = 0;
  for (; i < blockEnd; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  // The last 1-3 bytes, little-endian, mixed like a block.
  const rest = length & 3;
  if (rest > 0) {
    let tail = 0;
    if (rest === 3) tail ^= bytes[i + 2]! << 16;
    if (rest >= 2) tail ^= bytes[i + 1]! << 8;
    tail ^= bytes[i]!;
    tail = Math.imul(tail, C1);
    tail = (tail << 15) | (tail >>> 17);
    tail = Math.imul(tail, C2);
    h ^= tail;
  }
  h ^= length;
  return finalMix(h);
}

/** The finalizer of MurmurHash3: spreads every input bit over the whole word. */
function finalMix(hash: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const utf8 = new TextEncoder();

/** murmur3 of a string's UTF-8 bytes. */
export function murmur3String(text: string, seed = 0): number {
  return murmur3(utf8.encode(text), seed);
}
