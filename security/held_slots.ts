/**
 * Work a key (a source address, a user) may have under way at once: `take` gives a slot and its release, or null
 * while the key holds them all. In memory, per process.
 *
 * @example
 * ```ts
 * import { HeldSlots } from "./held_slots.ts";
 * const slots = new HeldSlots(1);
 * const release = slots.take("alice");
 * slots.take("alice"); // null: alice's one slot is held
 * release?.();
 * ```
 */
export class HeldSlots {
  readonly #held = new Map<string, number>();

  constructor(readonly perKey: number) {}

  /** A slot for `key` (call the release once its work is done: a second call does nothing), or null. */
  take(key: string): (() => void) | null {
    const held = this.#held.get(key) ?? 0;
    if (held >= this.perKey) return null;
    this.#held.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(key) ?? 1) - 1;
      if (left <= 0) this.#held.delete(key);
      else this.#held.set(key, left);
    };
  }
}
