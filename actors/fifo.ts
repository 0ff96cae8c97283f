/**
 * A first-in first-out queue in a ring of slots that is reused: adding and taking allocate nothing until it
 * must grow. An actor's mailbox lives as long as its station and is empty between nearly all messages; an
 * array used with `push` and `shift` gets a new backing store each time it fills again after emptying (~150
 * bytes a message), young memory held by an old object, which the collector copies and promotes.
 */
export class Fifo<T> {
  #slots: (T | undefined)[] = [undefined, undefined, undefined, undefined];
  #head = 0;
  #count = 0;

  get length(): number {
    return this.#count;
  }

  push(item: T): void {
    if (this.#count === this.#slots.length) this.#grow();
    this.#slots[(this.#head + this.#count) % this.#slots.length] = item;
    this.#count++;
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.#count === 0) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head] = undefined; // Not kept alive by its old slot.
    this.#head = (this.#head + 1) % this.#slots.length;
    this.#count--;
    return item;
  }

  #grow(): void {
    const slots = new Array<T | undefined>(this.#slots.length * 2).fill(undefined);
    for (let k = 0; k < this.#count; k++) slots[k] = this.#slots[(this.#head + k) % this.#slots.length];
    this.#slots = slots;
    this.#head = 0;
  }
}
