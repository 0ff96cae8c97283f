/**
 * Exponential back-off for retried deliveries: base * 2^(attempt - 1), capped, with up to 20% jitter taken
 * off so that many deliveries failing together do not come back together.
 *
 * @example
 * ```ts
 * retryDelayMs(1, { baseMs: 10_000, maxMs: 3_600_000 }, 0); // 10000
 * retryDelayMs(4, { baseMs: 10_000, maxMs: 3_600_000 }, 0); // 80000
 * ```
 */
export function retryDelayMs(
  attempt: number,
  options: { baseMs: number; maxMs: number },
  jitter: number = Math.random(),
): number {
  const raw = options.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxMs, raw);
  return Math.round(capped * (1 - 0.2 * Math.min(1, Math.max(0, jitter))));
}
