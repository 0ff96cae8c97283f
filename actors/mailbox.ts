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
  /** The message whose handler's promise is awaited. */
  #awaited: M | undefined;
  /**
   * What runs when that promise settles, made once per mailbox: waiting costs `then` and nothing more (an
   * async drain allocated a generator and its await's machinery per message, alive for the whole wait).
   */
  readonly #resume = (): void => {
    this.#awaited = undefined;
    this.#drain();
  };
  readonly #failed = (error: unknown): void => {
    const message = this.#awaited as M;
    this.#awaited = undefined;
    this.onError(error, message);
    this.#drain();
  };

  constructor(
    private readonly handle: (message: M) => Promise<void> | void,
    private readonly onError: (error: unknown, message: M) => void,
  ) {}

  post(message: M): void {
    this.#queue.push(message);
    if (!this.#running) this.#drain();
  }

  get size(): number {
    return this.#queue.length + (this.#running ? 1 : 0);
  }

  /** Resolves once every message posted so far has been handled. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Handles the queued messages; returns while a handler's promise is pending (`#resume` goes on). */
  #drain(): void {
    this.#running = true;
    while (this.#queue.length > 0) {
      const message = this.#queue.shift() as M;
      let pending: Promise<void> | void;
      try {
        // A message handled synchronously (a sweep, a bad frame) costs no microtask turn.
        pending = this.handle(message);
      } catch (error) {
        this.onError(error, message);
        continue;
      }
      if (pending !== undefined) {
        this.#awaited = message;
        pending.then(this.#resume, this.#failed);
        return;
      }
    }
    this.#running = false;
    if (this.#idleWaiters.length === 0) return; // No new array per message for nobody waiting.
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
