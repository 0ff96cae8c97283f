/**
 * Which stations' meter values go through the journal (meter_journal.ts). A journaled group saves a page
 * write only when the applier finds other groups of its station beside it: the applier writes a station's
 * list page once for all of them, where each direct commit writes it once. A station that commits meter
 * values once per interval or so would pay the journal's own costs (its entry written, checked, deleted, the
 * applier's JavaScript) for nothing (bench/README.md, "KV meter journal, adaptive").
 *
 * So the rule counts each station's meter value commits per window (the applier's interval) and journals a
 * station's new groups only when it made at least `from` of them in the last full window or in this one so
 * far; a station whose groups are pending in the journal keeps journaling until they are applied (its page
 * is written by the applier anyway), which the journal decides, not this rule.
 *
 * Two maps of the stations that sent in the last two windows: idle stations cost nothing.
 *
 * @example
 * ```ts
 * import { JournalRule } from "./journal_rule.ts";
 *
 * let now = 0;
 * const rule = new JournalRule({ windowMs: 1500, from: 2, now: () => now });
 * rule.note("CP-1"); // false: its first commit of the window
 * rule.note("CP-1"); // true: its second
 * now = 1600;
 * rule.note("CP-1"); // true: two in the last full window
 * now = 5000;
 * rule.note("CP-1"); // false: none in the last full window
 * ```
 */

export interface JournalRuleOptions {
  /** The window the commits are counted in, in ms (the applier's interval). */
  windowMs: number;
  /** Commits per window from which a station journals (0 or 1: every commit; Infinity: none). */
  from: number;
  /** The clock, in ms (tests). */
  now?: () => number;
}

export class JournalRule {
  readonly #windowMs: number;
  readonly #from: number;
  readonly #now: () => number;
  /** Commits per station in the window in progress, and in the full window before it. */
  #current = new Map<string, number>();
  #previous = new Map<string, number>();
  #windowEnd = -Infinity;

  constructor(options: JournalRuleOptions) {
    this.#windowMs = options.windowMs;
    this.#from = options.from;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Counts a commit of `chargePointId` with new meter values; true when its groups should be journaled. */
  note(chargePointId: string): boolean {
    if (this.#from <= 1) return true;
    if (this.#from === Infinity) return false;
    this.#roll();
    const current = (this.#current.get(chargePointId) ?? 0) + 1;
    this.#current.set(chargePointId, current);
    return current >= this.#from || (this.#previous.get(chargePointId) ?? 0) >= this.#from;
  }

  #roll(): void {
    const now = this.#now();
    if (now < this.#windowEnd) return;
    // Right after the window: it is the last full one. Later: the last full window had no commit at all.
    const next = now < this.#windowEnd + this.#windowMs;
    this.#previous = next ? this.#current : new Map();
    this.#current = new Map();
    this.#windowEnd = next ? this.#windowEnd + this.#windowMs : now + this.#windowMs;
  }
}
