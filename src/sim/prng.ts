// The simulator's only source of randomness: sfc32 (Chris Doty-Humphrey's Small Fast Counting
// generator, 32-bit), seeded through splitmix32. Why our own: the same seed must give the same
// run on every machine and Node version, and Math.random cannot be seeded.
//
// Every subsystem (network, disk, workload, nemesis, each client) draws from its own stream,
// derived from the run's seed and a label, so that e.g. one more client request does not shift
// every network latency after it and turn a small change into a different run.

import { murmur3String } from "../core/hash.js";

const TWO_POW_32 = 2 ** 32;

export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator for `seed`, any safe non-negative integer. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`prng: seed must be a non-negative safe integer, got ${seed}`);
    }
    // splitmix32 spreads a small seed (1, 2, 3 ...) over all 128 bits of state.
    let mix = (seed ^ Math.floor(seed / TWO_POW_32) * 0x9e3779b9) >>> 0;
    const next = (): number => {
      mix = (mix + 0x9e3779b9) >>> 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    // The first outputs of a fresh sfc32 are weakly mixed; discard them.
    for (let i = 0; i < 12; i += 1) this.uint32();
  }

  /** An independent stream for one subsystem: depends only on `seed` and `label`. */
  static derive(seed: number, label: string): Prng {
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    return new Prng(murmur3String(label, low ^ murmur3String(String(high))));
  }

  /** A uniformly random unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`prng: int needs integers min <= max, got ${min}..${max}`);
    }
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `probability` (0 never draws true, 1 always does). */
  chance(probability: number): boolean {
    return this.float() < probability;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("prng: cannot pick from an empty array");
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** A copy of `items` in random order (Fisher-Yates, from the last element down). */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index -= 1) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  }

  /** An exponentially distributed draw with the given mean: the gap between Poisson events. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }
}
