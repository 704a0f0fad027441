/**
 * A small seeded PRNG (mulberry32) so a fill is a pure function of its inputs and seed:
 * the same seed gives the same bytes, and outputs `seed + i` differ from one another.
 */
export type RandomSource = () => number;

/** Returns a generator of floats in [0, 1) from a 32-bit seed (any integer; taken modulo 2^32). */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [low, high] (both inclusive). */
export function randomInteger(random: RandomSource, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}
