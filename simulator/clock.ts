/**
 * Time as the simulator sees it: injected, so tests can run a station's timers without waiting.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` after `ms`; the returned function cancels it. */
  after(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, callback) {
    const id = setTimeout(callback, Math.max(0, Math.min(ms, MAX_TIMEOUT_MS)));
    return () => clearTimeout(id);
  },
};

/** setTimeout fires at once for delays beyond a signed 32-bit number of milliseconds (~24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A clock that moves only when told to; due timers fire in time order during `advance()`. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Timers not yet fired. */
  readonly pending: number;
}

/**
 * @example
 * ```ts
 * const clock = createManualClock(0);
 * let fired = false;
 * clock.after(1000, () => (fired = true));
 * clock.advance(1000); // fired === true
 * ```
 */
export function createManualClock(start: number): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    after(ms, callback) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), callback });
      return () => timers.delete(id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        let due: { id: number; at: number; callback: () => void } | undefined;
        for (const [id, timer] of timers) {
          if (timer.at <= end && (!due || timer.at < due.at)) due = { id, ...timer };
        }
        if (!due) break;
        timers.delete(due.id);
        now = due.at;
        due.callback();
      }
      now = end;
    },
    get pending() {
      return timers.size;
    },
  };
}
