/**
 * Notices a listener that stopped accepting. node:http on Deno 2.9.6 stops accepting for good when accept()
 * fails with EMFILE, with no `error` event and no other signal: the process would linger with a full backlog,
 * answering nothing. The kernel knows better: a listening socket's accept queue (the rx_queue of its LISTEN
 * line in /proc/net/tcp) holds the connections it completed that the process has not taken. Connections
 * waiting there for several checks in a row while the server counted none accepted mean the accept loop is
 * gone; the server then does what Deno.serve's path does (log, exit 70 for the supervisor).
 *
 * @example
 * ```ts
 * let accepted = 0;
 * const watchdog = new AcceptWatchdog({
 *   accepted: () => accepted,
 *   queued: () => Promise.resolve(0),
 *   stalledChecks: 3,
 *   onStalled: (queued) => console.error(`${queued} connections wait, none accepted`),
 * });
 * await watchdog.check(); // healthy: nothing waits
 * ```
 */

export interface AcceptWatchdogOptions {
  /** Connections the server has accepted so far (a counter it keeps). */
  accepted: () => number;
  /** Connections the kernel holds for the listener to accept, or null when that cannot be read. */
  queued: () => Promise<number | null>;
  /** Checks in a row with connections waiting and none accepted before the listener counts as stalled. */
  stalledChecks: number;
  /** Called once, when the listener stalled. */
  onStalled: (queued: number) => void;
}

export class AcceptWatchdog {
  #lastAccepted: number;
  #suspicious = 0;
  #fired = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking = false;

  constructor(private readonly options: AcceptWatchdogOptions) {
    this.#lastAccepted = options.accepted();
  }

  /** Checks every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.#timer ??= setInterval(() => {
      if (this.#checking) return;
      this.#checking = true;
      this.check().finally(() => (this.#checking = false));
    }, intervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One check: healthy when something was accepted since the last one, or when nothing waits. */
  async check(): Promise<void> {
    if (this.#fired) return;
    const accepted = this.options.accepted();
    if (accepted !== this.#lastAccepted) {
      this.#lastAccepted = accepted;
      this.#suspicious = 0;
      return;
    }
    const queued = await this.options.queued();
    // Accepted meanwhile (while the queue was read): alive.
    if (this.options.accepted() !== this.#lastAccepted) return;
    if (queued === null || queued === 0) {
      this.#suspicious = 0;
      return;
    }
    if (++this.#suspicious < this.options.stalledChecks) return;
    this.#fired = true;
    this.stop();
    this.options.onStalled(queued);
  }
}
