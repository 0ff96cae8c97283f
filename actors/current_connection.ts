/**
 * Waiting for the station's current connection to be known, for a change a replaced connection could not write
 * (`Registry` `forwardReplaced`): it is meant for the connection that replaced it, which in a cluster this node
 * may not know yet (another node's presence arrives by the bus or the next reload; later still when this node
 * was frozen, which is how its connection came to be replaced). Written meanwhile, the change went to the
 * store as for a station offline, out of sight of the actor that holds the station's snapshot in memory: its
 * guards never held it, and its next write of that field dropped it.
 */

/** How often `currentConnectionKnown` looks. */
const LOOK_EVERY_MS = 50;

/**
 * Resolves true once `known()` is (looked at every 50 ms), false when `boundMs` passed first (no current
 * connection: the station left since, and a write as for one offline is right) or `signal` aborted.
 *
 * @example
 * ```ts
 * const known = await currentConnectionKnown(() => true, 1000, new AbortController().signal);
 * ```
 */
export async function currentConnectionKnown(
  known: () => boolean,
  boundMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (!known()) {
    if (signal.aborted || Date.now() >= until) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(LOOK_EVERY_MS, Math.max(0, until - Date.now())));
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }
  return true;
}
