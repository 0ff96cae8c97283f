/**
 * Failures of one piece of background work in a row (a full disk refuses every round): the first is a
 * warning, the rest debug lines with their count (a warning again for an error not warned of yet, a few per
 * streak at most), and the first success after them one line saying how many there were. A store that keeps
 * refusing is then a few lines, not one per round.
 *
 * @example
 * ```ts ignore
 * const streak = new FailureStreak(logger, {
 *   failed: "background work failed",
 *   again: "background work failed again",
 *   recovered: "background work recovered",
 *   count: "failedRounds",
 * });
 * streak.failed({ worker: "retention", error: "database or disk is full" }); // a warning
 * streak.worked({ worker: "retention" }); // info, failedRounds: 1
 * ```
 */
import type { LogFields, Logger } from "../logger.ts";

/** The lines of a streak: the first failure's, the next ones', the recovery's, and the count's field. */
export interface StreakLines {
  failed: string;
  again: string;
  recovered: string;
  count: string;
}

/** Distinct errors of one streak warned of at most: one whose text varies (an id in it) is not a line a round. */
const WARNED_ERRORS_MAX = 4;

export class FailureStreak {
  #failures = 0;
  /** The `error` fields of this streak's warnings. */
  readonly #warned = new Set<unknown>();

  constructor(private readonly logger: Logger, private readonly lines: StreakLines) {}

  /**
   * One more failure: a warning when it is the first, or when it fails for another reason than those warned
   * of (the cause changed: a database back up, and the work failing on something else); else a debug line
   * with the count.
   */
  failed(fields: LogFields): void {
    const error = fields.error;
    if (this.#failures++ === 0) {
      this.#warned.add(error);
      this.logger.warn(this.lines.failed, fields);
    } else if (!this.#warned.has(error) && this.#warned.size < WARNED_ERRORS_MAX) {
      this.#warned.add(error);
      this.logger.warn(this.lines.again, { ...fields, [this.lines.count]: this.#failures });
    } else this.logger.debug(this.lines.again, { ...fields, [this.lines.count]: this.#failures });
  }

  /** A success: ends the streak, with one line of its count when there was one. */
  worked(fields: LogFields = {}): void {
    if (this.#failures > 0) {
      this.logger.info(this.lines.recovered, { ...fields, [this.lines.count]: this.#failures });
    }
    this.#failures = 0;
    this.#warned.clear();
  }
}
