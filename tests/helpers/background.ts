/**
 * Work a fake station starts from a handler after it has answered (as a real station reports its progress),
 * kept so the test can wait for it before closing the station and the server. Left running, such work ends
 * after the test: its calls are refused by a closed socket and fail the file with an uncaught rejection.
 */
export class Background {
  #running = new Set<Promise<void>>();
  #errors: unknown[] = [];

  /** Runs `work` after `delayMs`, so that the handler's answer goes out first. */
  later(work: () => Promise<unknown>, delayMs = 0): void {
    const run: Promise<void> = new Promise((r) => setTimeout(r, delayMs))
      .then(work)
      .then(() => {}, (error) => void this.#errors.push(error))
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  /** Waits until no work is left (including work started meanwhile); throws the first failure. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
    if (this.#errors.length > 0) throw this.#errors[0];
  }
}
