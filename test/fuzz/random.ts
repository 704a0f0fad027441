/** A small seeded PRNG (mulberry32), so one seed replays one fuzz run request for request. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  bytes(length: number): Buffer {
    const buffer = Buffer.alloc(length);
    for (let index = 0; index < length; index++) buffer[index] = this.int(0, 255);
    return buffer;
  }

  /** A string of `length` characters drawn from printable ASCII and a few awkward code points. */
  text(length: number): string {
    const awkward = ['\u0000', '\r', '\n', '"', '\\', '%', '\u00e9', '\u65e5', '\ud83d\ude00', '\ufffd', '\u202e'];
    let out = '';
    for (let index = 0; index < length; index++) out += this.chance(0.15) ? this.pick(awkward) : String.fromCharCode(this.int(32, 126));
    return out;
  }

  /** A fresh seed for a sub-generator. */
  seed(): number {
    return this.int(0, 0xffffffff);
  }
}
