/**
 * The command log entries of one station whose write failed, waiting to be written again (the actor's sweep
 * and its close): bounded, so a station whose commands go on failing through a long store outage cannot grow
 * its actor's memory without end.
 *
 * Entries of one row (a timeout, then its late answer) are merged as the store would settle that row
 * (`settleCommandRow`), so a row costs one place however often it is told. Past `max` rows, the entries that
 * settle a row the store holds `sending` (a command that went out) are kept over those of rows the store
 * probably never took (a command refused, or not sent because its `sending` row failed: written only in case
 * the store took that write after all); within each kind the oldest stay, and a newcomer is dropped. A dropped
 * entry leaves its row as it is (a `sending` one is settled `unknown` when this process is gone).
 *
 * @example
 * ```ts
 * const outcomes = new UnsettledOutcomes(1);
 * const entry = { id: "a", chargePointId: "CP-1", action: "Reset", payload: {}, requestedBy: "api",
 *   requestedAt: "2026-01-01T00:00:00Z", outcome: "accepted" as const, response: {}, finishedAt: null };
 * outcomes.keep(entry, true); // true
 * outcomes.keep({ ...entry, id: "b" }, true); // false: dropped, counted
 * outcomes.take().length; // 1
 * outcomes.dropped; // 1
 * ```
 */
import { type CommandLogEntry, settleCommandRow } from "../model/command_log.ts";

/** Rows one station's actor keeps to settle at most (each holds its command's payload and answer). */
export const MAX_UNSETTLED_OUTCOMES = 50;

interface Waiting {
  entry: CommandLogEntry;
  /** Its row is stored `sending` (the command went out): settling it matters more than a refusal's row. */
  rowStored: boolean;
}

export class UnsettledOutcomes {
  /** By row id, in the order first kept (a Map keeps insertion order: the oldest first). */
  #waiting = new Map<string, Waiting>();
  #dropped = 0;

  constructor(readonly max = MAX_UNSETTLED_OUTCOMES) {}

  get size(): number {
    return this.#waiting.size;
  }

  /** Entries dropped since `droppedTold()` was last called. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Keeps `entry` to write again; false when it was dropped (or made room by dropping an older refusal). */
  keep(entry: CommandLogEntry, rowStored: boolean): boolean {
    const before = this.#waiting.get(entry.id);
    if (before) {
      const merged = settleCommandRow(before.entry, entry);
      if (merged) before.entry = merged;
      before.rowStored ||= rowStored;
      return true;
    }
    if (this.#waiting.size >= this.max) {
      const room = rowStored ? this.#oldestOfRowNotStored() : null;
      this.#dropped++;
      if (room === null) return false;
      this.#waiting.delete(room);
    }
    this.#waiting.set(entry.id, { entry, rowStored });
    return true;
  }

  /** Every entry kept, oldest first, and forgets them (kept again with `keepAgain` when their write fails). */
  take(): Waiting[] {
    const all = [...this.#waiting.values()];
    this.#waiting = new Map();
    return all;
  }

  /** What `take()` gave back, its write failed: kept ahead of what came meanwhile, within `max`. */
  keepAgain(taken: readonly Waiting[]): void {
    const meanwhile = this.#waiting;
    this.#waiting = new Map();
    for (const w of [...taken, ...meanwhile.values()]) this.keep(w.entry, w.rowStored);
  }

  /** The drops told (logged): counting starts again. */
  droppedTold(): void {
    this.#dropped = 0;
  }

  #oldestOfRowNotStored(): string | null {
    for (const [id, w] of this.#waiting) if (!w.rowStored) return id;
    return null;
  }
}
