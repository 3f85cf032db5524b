// The simulated clock: one queue of future happenings ordered by (time, sequence). Time is in
// microseconds of simulated time and only moves when the next happening is taken; the sequence
// number breaks ties in the order things were scheduled, which is what makes a run repeatable.

export interface Happening {
  /** Simulated time at which it runs, in microseconds. */
  atUs: number;
  run: () => void;
}

interface QueuedHappening extends Happening {
  sequence: number;
}

export class Scheduler {
  #nowUs = 0;
  #sequence = 0;
  readonly #heap: QueuedHappening[] = [];
  readonly #queueLengthMax: number;

  /** `queueLengthMax` bounds what may wait at once; more is a runaway simulation, hence a bug. */
  constructor(queueLengthMax: number) {
    this.#queueLengthMax = queueLengthMax;
  }

  get nowUs(): number {
    return this.#nowUs;
  }

  get pending(): number {
    return this.#heap.length;
  }

  /** Runs `run` after `delayUs` (>= 0; fractions are rounded up to whole microseconds). */
  after(delayUs: number, run: () => void): void {
    this.at(this.#nowUs + Math.max(0, Math.ceil(delayUs)), run);
  }

  /** Runs `run` at `atUs`, which must not be in the past. */
  at(atUs: number, run: () => void): void {
    if (!Number.isSafeInteger(atUs) || atUs < this.#nowUs) {
      throw new Error(`scheduler: cannot schedule at ${atUs}us, now is ${this.#nowUs}us`);
    }
    if (this.#heap.length >= this.#queueLengthMax) {
      throw new Error(`scheduler: more than ${this.#queueLengthMax} happenings queued: a runaway simulation`);
    }
    this.#push({ atUs, run, sequence: this.#sequence });
    this.#sequence += 1;
  }

  /** Runs the next happening, if any is due at or before `untilUs`; false when none is. */
  runNext(untilUs: number): boolean {
    const next = this.#heap[0];
    if (next === undefined || next.atUs > untilUs) return false;
    this.#pop();
    this.#nowUs = next.atUs;
    next.run();
    return true;
  }

  /** Runs happenings until none is due at or before `untilUs` or `stop()` says so, then sets the clock there. */
  runUntil(untilUs: number, stop: () => boolean = () => false): void {
    while (!stop() && this.runNext(untilUs)) {
      // each step runs one happening
    }
    if (!stop()) this.#nowUs = Math.max(this.#nowUs, untilUs);
  }

  #push(item: QueuedHappening): void {
    const heap = this.#heap;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!earlier(item, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = item;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
      if (!earlier(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}

function earlier(a: QueuedHappening, b: QueuedHappening): boolean {
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.sequence < b.sequence);
}
