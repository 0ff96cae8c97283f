/**
 * A ceiling on things under way at once: the station connections (a slot taken when an upgrade starts, before
 * the security check awaits anything, and given back when the socket closes, so a burst of handshakes cannot
 * overshoot MAX_CONNECTIONS), the uploads streaming in (station files, firmware images).
 *
 * @example
 * ```ts
 * const slots = new Slots(1);
 * const release = slots.acquire();
 * slots.acquire(); // null: full
 * release?.();
 * ```
 */
export class Slots {
  #held = 0;

  constructor(readonly max: number) {}

  /**
   * A release function (idempotent), or null when every slot is taken. `force` takes one beyond the ceiling:
   * for a station replacing its own connection, whose old socket is about to give its slot back.
   */
  acquire(force = false): (() => void) | null {
    if (this.#held >= this.max && !force) return null;
    this.#held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
    };
  }

  get held(): number {
    return this.#held;
  }
}
