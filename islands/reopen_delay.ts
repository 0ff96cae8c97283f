/**
 * How long a page waits before asking again for an event stream the browser gave up on: about 1 s, doubling
 * to 30 s. Each wait is drawn between half and all of that, so the tabs a server restart dropped together
 * do not all come back at the same instant.
 */
export const FIRST_REOPEN_MS = 1000;
export const LAST_REOPEN_MS = 30_000;

/** The wait before attempt `attempt` (0 for the first after a failure); `random` is in [0, 1). */
export function reopenDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LAST_REOPEN_MS, FIRST_REOPEN_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}
