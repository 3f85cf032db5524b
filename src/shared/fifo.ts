// A growable ring buffer: O(1) push, shift and pop, indexed access from the head (Array#shift is
// O(n) on long arrays). The server's connections keep their pipelined requests here, the client
// its requests awaiting replies.

export class Fifo<T> {
  private items: Array<T | undefined> = new Array(16);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** The item `index` places after the head; undefined past the end. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & (this.items.length - 1)];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** Removes and returns the last item. */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const index = (this.head + this.count - 1) & (this.items.length - 1);
    const item = this.items[index];
    this.items[index] = undefined;
    this.count--;
    return item;
  }

  private grow(): void {
    const larger: Array<T | undefined> = new Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) larger[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = larger;
    this.head = 0;
  }
}
