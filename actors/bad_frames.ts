/**
 * The bad frames a station's connection still counts towards MAX_BAD_FRAMES: a leaky bucket. Each bad frame
 * adds one and the count leaks `limit` per `windowMs`, so only `limit` bad frames within about the window
 * close the connection (a flood), while a station that sends a malformed frame now and then stays connected
 * for weeks.
 *
 * @example
 * ```ts
 * import { BadFrames } from "./bad_frames.ts";
 * const badFrames = new BadFrames({ limit: 2, windowMs: 60_000 });
 * badFrames.add(0); // false
 * badFrames.add(60_000); // false: one had leaked away meanwhile
 * badFrames.add(60_000); // true: two within the window
 * ```
 */
export class BadFrames {
  /**
   * The count times `windowMs`: a bad frame adds `windowMs`, each ms leaks `limit`, so whole milliseconds
   * give whole numbers and a frame exactly one refill after another is judged exactly (no rounding).
   */
  #scaled = 0;
  /** When the count was last updated (ms); -Infinity: an empty bucket, nothing to leak. */
  #atMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: { limit: number; windowMs: number }) {}

  /** The bad frames still counted, rounded up (for the log). */
  get count(): number {
    return Math.ceil(this.#scaled / this.options.windowMs);
  }

  /** Counts a bad frame at `nowMs` (a clock for intervals): true when the connection is to be closed. */
  add(nowMs: number): boolean {
    const { limit, windowMs } = this.options;
    const leaked = Math.max(0, nowMs - this.#atMs) * limit;
    this.#scaled = Math.max(0, this.#scaled - leaked) + windowMs;
    this.#atMs = Math.max(this.#atMs, nowMs);
    // Less than one bad frame of tolerance left: `limit` at once close, as they did before the count leaked,
    // and not a fraction later for the little that leaked between frames sent back to back.
    return this.#scaled > (limit - 1) * windowMs;
  }
}
