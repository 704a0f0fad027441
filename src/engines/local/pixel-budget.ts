/**
 * `PixelBudget`, a weighted first-in-first-out semaphore over pixels: the built-in engine's
 * fills hold their output's pixel count while they run, and a fill starts only while the sum
 * held stays within the budget, so the memory the fills need together (about 130 bytes per
 * output pixel at the peak of a fill) is bounded whatever mix of sizes arrives. A fill larger
 * than the whole budget still runs, alone. Waiters are served in arrival order, so a large fill
 * is not starved by a stream of small ones; a waiter whose signal aborts leaves the queue.
 */
export type ReleasePixels = () => void;

interface Waiter {
  readonly pixels: number;
  readonly grant: (release: ReleasePixels) => void;
}

export class PixelBudget {
  readonly #budget: number;
  #held = 0;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(budget: number) {
    if (!Number.isFinite(budget) || budget < 1) throw new RangeError(`pixel budget must be >= 1, got ${budget}`);
    this.#budget = budget;
  }

  /** Pixels held by running fills. */
  get held(): number {
    return this.#held;
  }

  /** Fills waiting for room. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once `pixels` fit; rejects with the signal's reason if it aborts first. */
  acquire(pixels: number, signal: AbortSignal): Promise<ReleasePixels> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#waiting.length === 0 && this.#fits(pixels)) return Promise.resolve(this.#take(pixels));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pixels,
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = (): void => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal.reason);
        // The aborted waiter may have been the one holding back smaller fills behind it.
        this.#drain();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #fits(pixels: number): boolean {
    return this.#running === 0 || this.#held + pixels <= this.#budget;
  }

  #take(pixels: number): ReleasePixels {
    this.#held += pixels;
    this.#running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= pixels;
      this.#running -= 1;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.pixels)) {
      const waiter = this.#waiting.shift()!;
      waiter.grant(this.#take(waiter.pixels));
    }
  }
}
