/**
 * "At most once per `windowMs` per key", for events that a flood would otherwise repeat thousands of times (a
 * source that keeps knocking while it waits out its back-off is one security event per window). Bounded: past
 * `maxKeys` it forgets everything, which at worst lets one more event per key through.
 *
 * @example
 * ```ts
 * const once = new OncePer(10_000);
 * once.due("10.0.0.9", 0); // true
 * once.due("10.0.0.9", 5_000); // false
 * once.due("10.0.0.9", 10_000); // true
 * ```
 */
export class OncePer {
  readonly #last = new Map<string, number>();

  constructor(private readonly windowMs: number, private readonly maxKeys = 10_000) {}

  /** True (and remembered) when `key` had nothing due within the window before `nowMs`. */
  due(key: string, nowMs: number): boolean {
    if (nowMs - (this.#last.get(key) ?? -Infinity) < this.windowMs) return false;
    this.#last.set(key, nowMs);
    if (this.#last.size > this.maxKeys) this.#last.clear();
    return true;
  }
}
