/**
 * A station's message-rate limit: a token bucket (`rate` frames per second on average, `burst` at once), and
 * a second, decaying count of refused frames: past `closeAfter` the station is flooding and is closed.
 *
 * A frame from a station that waited for its previous answer (what every honest station does, an offline
 * backlog replayed included) is not refused: it takes the next token, waiting for it (`reserve`). Only frames
 * sent without waiting meet `admit`'s refusals.
 *
 * @example
 * ```ts
 * const limit = new MessageRate({ rate: 20, burst: 100, closeAfter: 200 });
 * limit.admit(0); // "accept"
 * ```
 */
export type RateVerdict = "accept" | "refuse" | "close";

export interface MessageRateOptions {
  /** Frames per second on average; 0 disables the limit. */
  rate: number;
  burst: number;
  closeAfter: number;
}

export class MessageRate {
  #tokens: number;
  #strikes = 0;
  #last: number | undefined;

  constructor(private readonly options: MessageRateOptions) {
    this.#tokens = options.burst;
  }

  admit(nowMs: number): RateVerdict {
    const { rate, closeAfter } = this.options;
    if (rate <= 0) return "accept";
    this.#refill(nowMs);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return "accept";
    }
    this.#strikes += 1;
    return this.#strikes > closeAfter ? "close" : "refuse";
  }

  /**
   * Takes the next token, owed if need be: how many ms until it is there (0: now). The bucket may go below
   * zero by one token at most (the caller holds one frame at a time), so the wait is at most 1/rate s.
   */
  reserve(nowMs: number): number {
    const { rate } = this.options;
    if (rate <= 0) return 0;
    this.#refill(nowMs);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / rate) * 1000);
  }

  /** Tokens come back, and strikes are forgiven, at `rate` per second since the last frame. */
  #refill(nowMs: number): void {
    const { rate, burst } = this.options;
    const elapsed = this.#last === undefined ? 0 : Math.max(0, nowMs - this.#last) / 1000;
    this.#last = nowMs;
    this.#tokens = Math.min(burst, this.#tokens + elapsed * rate);
    this.#strikes = Math.max(0, this.#strikes - elapsed * rate);
  }
}
