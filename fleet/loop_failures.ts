/**
 * Which background loops fail round after round, for the admins' server warnings: the log says a streak
 * once (fleet/failure_streak.ts), where nobody may look, while a job shows "running, 0 done" for ever.
 * A loop counts as failing from its `FAILING_ROUNDS`th failure in a row until its next round that works.
 *
 * @example
 * ```ts ignore
 * const failures = new LoopFailures(() => new Date());
 * for (let i = 0; i < 3; i++) failures.failed("jobs", new Error("Too many checks (max 100)"));
 * failures.failing(); // [{ name: "jobs", since: "...", rounds: 3, error: "Too many checks (max 100)" }]
 * failures.worked("jobs");
 * failures.failing(); // []
 * ```
 */

/** Failures in a row before a loop is reported: one may be a blip (a restart of the database), three are not. */
export const FAILING_ROUNDS = 3;

/** An error's text is shown on the dashboard: a long one (a query in it) is cut. */
const ERROR_CHARS_MAX = 300;

export interface FailingLoop {
  name: string;
  /** When the first failure of the streak happened (ISO 8601). */
  since: string;
  rounds: number;
  /** The last failure's message. */
  error: string;
}

export class LoopFailures {
  readonly #streaks = new Map<string, FailingLoop>();

  constructor(private readonly now: () => Date) {}

  failed(name: string, error: unknown): void {
    const streak = this.#streaks.get(name);
    const message = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_CHARS_MAX);
    if (streak) {
      streak.rounds++;
      streak.error = message;
    } else this.#streaks.set(name, { name, since: this.now().toISOString(), rounds: 1, error: message });
  }

  worked(name: string): void {
    this.#streaks.delete(name);
  }

  /** The loops that failed their last `FAILING_ROUNDS` rounds or more, by name. */
  failing(): FailingLoop[] {
    return [...this.#streaks.values()]
      .filter((s) => s.rounds >= FAILING_ROUNDS)
      .map((s) => ({ ...s }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
