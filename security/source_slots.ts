/**
 * Work one source may have under way at once (`HeldSlots` keyed by source): an IPv4 address or an IPv6 /64
 * holds `perSource`, and an IPv6 /48 PREFIX_48_SHARE times that over its /64s, so rotating /64s buys 16 caps,
 * not 65,536. In memory, per process.
 *
 * @example
 * ```ts
 * import { SourceSlots } from "./source_slots.ts";
 * const slots = new SourceSlots(1);
 * const release = slots.take("203.0.113.9");
 * slots.take("203.0.113.9"); // null: its one slot is held
 * release?.();
 * ```
 */
import { backoffSource, PREFIX_48_SHARE, sourcePrefix48 } from "./auth_backoff.ts";
import { HeldSlots } from "./held_slots.ts";

export class SourceSlots {
  readonly #slots: HeldSlots;
  readonly #prefixSlots: HeldSlots;

  constructor(perSource: number) {
    this.#slots = new HeldSlots(perSource);
    this.#prefixSlots = new HeldSlots(perSource * PREFIX_48_SHARE);
  }

  /** A slot of `address`'s source and of its /48 (release both with the one call), or null: none left. */
  take(address: string): (() => void) | null {
    const own = this.#slots.take(backoffSource(address));
    const prefix = sourcePrefix48(address);
    const wide = prefix === null ? () => {} : this.#prefixSlots.take(prefix);
    if (own && wide) {
      return () => {
        own();
        wide();
      };
    }
    own?.();
    wide?.();
    return null;
  }
}
