import { Fifo } from "./fifo.ts";

/**
 * A tiny FIFO that hands one message at a time to an async handler: the next message waits until the
 * previous one is fully handled. This is what makes an actor's state safe without locks.
 *
 * @example
 * ```ts
 * const box = new Mailbox<string>(async (m) => console.log(m), (err) => console.error(err));
 * box.post("hello");
 * await box.idle();
 * ```
 */
export class Mailbox<M> {
  /** A ring, not an array with `shift`: a mailbox is emptied and filled again for nearly every message. */
  #queue = new Fifo<M>();
  #running = false;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handle: (message: M) => Promise<void> | void,
    private readonly onError: (error: unknown, message: M) => void,
  ) {}

  post(message: M): void {
    this.#queue.push(message);
    if (!this.#running) void this.#drain();
  }

  get size(): number {
    return this.#queue.length + (this.#running ? 1 : 0);
  }

  /** Resolves once every message posted so far has been handled. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0) {
      const message = this.#queue.shift() as M;
      try {
        // A message handled synchronously (a sweep, a bad frame) costs no microtask turn.
        const pending = this.handle(message);
        if (pending !== undefined) await pending;
      } catch (error) {
        this.onError(error, message);
      }
    }
    this.#running = false;
    if (this.#idleWaiters.length === 0) return; // No new array per message for nobody waiting.
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
