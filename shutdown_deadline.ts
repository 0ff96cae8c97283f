/**
 * A graceful stop's deadline (SHUTDOWN_DEADLINE_S from the signal). Every step of the stop that waits on the
 * store (or on outside parties) waits at most until then, so that a hung database (a partition, a frozen
 * server: connections that take bytes and never answer) cannot hold the process until its supervisor's
 * SIGKILL. What a step cut short leaves unwritten is logged, one error line per kind, and makes the process
 * exit with {@linkcode EXIT_ABANDONED}; waits whose work is simply redone later (a retention turn) are named
 * in one warning.
 *
 * @example
 * ```ts ignore
 * const deadline = new ShutdownDeadline(2000, logger);
 * if (!await deadline.finished(securityEvents.close())) {
 *   deadline.abandoned("security events not stored", { events: securityEvents.pending });
 * }
 * deadline.dispose();
 * Deno.exit(deadline.anythingAbandoned ? EXIT_ABANDONED : 0);
 * ```
 */
import type { Logger } from "./logger.ts";

/** The exit code of a stop that left something unwritten (sysexits EX_TEMPFAIL: the stations send again). */
export const EXIT_ABANDONED = 75;

/**
 * How much of the deadline is kept for the store after the waits on outside parties end: what they leave to
 * write (a webhook attempt cut short is recorded, so it is sent again) is written before the deadline.
 */
export function storeReserveMs(deadlineMs: number): number {
  return Math.min(1000, deadlineMs / 4);
}

export class ShutdownDeadline {
  readonly #controller = new AbortController();
  readonly #outside = new AbortController();
  readonly #timers: ReturnType<typeof setTimeout>[];
  readonly #cutShort: string[] = [];
  #abandoned = 0;

  constructor(readonly deadlineMs: number, private readonly logger: Logger) {
    this.#timers = [
      setTimeout(() => this.#outside.abort(), deadlineMs - storeReserveMs(deadlineMs)),
      setTimeout(() => this.#controller.abort(), deadlineMs),
    ];
  }

  /**
   * Aborted for waits on outside parties (webhook receivers), `storeReserveMs` before the deadline, so that
   * what they leave to write is written within it.
   */
  get outsideParties(): AbortSignal {
    return this.#outside.signal;
  }

  /**
   * Waits for `work` until the deadline: true when it settled (a rejection is thrown as before), false when the
   * deadline came first; it then goes on unawaited. Past the deadline a step still gets one turn of the event
   * loop, so one that needs no store (nothing to write) is not reported cut.
   */
  finished(work: Promise<unknown>): Promise<boolean> {
    const { signal } = this.#controller;
    return new Promise<boolean>((resolve, reject) => {
      let turn: ReturnType<typeof setTimeout> | undefined;
      const onDeadline = () => {
        turn = setTimeout(() => resolve(false), 0);
      };
      if (signal.aborted) onDeadline();
      else signal.addEventListener("abort", onDeadline, { once: true });
      const settled = () => {
        signal.removeEventListener("abort", onDeadline);
        clearTimeout(turn);
      };
      work.then(() => {
        settled();
        resolve(true);
      }, (error) => {
        settled();
        reject(error);
      });
    });
  }

  /** What a cut step left unwritten: one error line, and the stop ends with EXIT_ABANDONED. */
  abandoned(what: string, fields: Record<string, unknown>): void {
    this.#abandoned++;
    this.logger.error(`shutdown deadline reached: ${what}`, {
      deadlineS: this.deadlineMs / 1000,
      ...fields,
    });
  }

  /** A wait cut short that leaves nothing unwritten (its work is redone later): named in `cutShort`. */
  cut(step: string): void {
    this.#cutShort.push(step);
  }

  /** The steps cut short without loss, for the stop's one warning about them. */
  get cutShort(): readonly string[] {
    return this.#cutShort;
  }

  get anythingAbandoned(): boolean {
    return this.#abandoned > 0;
  }

  /** Whether the deadline passed. */
  get reached(): boolean {
    return this.#controller.signal.aborted;
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }
}
