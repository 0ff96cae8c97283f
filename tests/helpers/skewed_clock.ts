/**
 * Preloaded into a server process (`deno run --preload`) to give that node a clock `CLOCK_SKEW_MS` off the
 * others' (NTP-sized skew between the nodes of a cluster): `Date.now()` and `new Date()` read the skewed
 * clock; timers and `performance.now()` (durations) are untouched, as they are by a wall clock set wrong.
 *
 * @example
 * ```ts ignore
 * await spawnServer({ ...env, CLOCK_SKEW_MS: "5000" }, skewedClockArgs());
 * ```
 */
const skewMs = Number(Deno.env.get("CLOCK_SKEW_MS") ?? "0");

if (Number.isFinite(skewMs) && skewMs !== 0) {
  const RealDate = Date;
  const skewedNow = () => RealDate.now() + skewMs;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      // No arguments: now, on the skewed clock; any others: the date they name.
      super(...(args.length === 0 ? [skewedNow()] : args) as [number]);
    }
    static override now(): number {
      return skewedNow();
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}

/** The `deno` arguments that run main.ts with this clock (its skew from the child's `CLOCK_SKEW_MS`). */
export function skewedClockArgs(): string[] {
  return ["run", "-A", "--preload", new URL(import.meta.url).pathname];
}
