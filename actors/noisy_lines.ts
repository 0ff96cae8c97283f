/**
 * Log lines a station can make us write at will (a bad frame, an answer to a call we never made, a CALL we refuse): the first
 * few of each kind per connection are written, the rest counted and said once, in the connection's last line.
 * A station flooding them (bounded only by its message rate, and again after each reconnect) cannot fill the
 * log, and what it did is still on record.
 *
 * @example
 * ```ts
 * import { NoisyLines } from "./noisy_lines.ts";
 * const lines = new NoisyLines(2);
 * lines.allow("bad frame"); // true
 * lines.allow("bad frame"); // true
 * lines.allow("bad frame"); // false
 * lines.notLogged(); // { "bad frame": 1 }
 * ```
 */
export class NoisyLines {
  readonly #seen = new Map<string, number>();

  constructor(readonly perKind = 10) {}

  /** Whether this line of `kind` is to be written (the first `perKind` are); counts it either way. */
  allow(kind: string): boolean {
    const seen = (this.#seen.get(kind) ?? 0) + 1;
    this.#seen.set(kind, seen);
    return seen <= this.perKind;
  }

  /** Lines not written, by kind; null when every line was. */
  notLogged(): Record<string, number> | null {
    let counts: Record<string, number> | null = null;
    for (const [kind, seen] of this.#seen) {
      if (seen > this.perKind) (counts ??= {})[kind] = seen - this.perKind;
    }
    return counts;
  }
}
