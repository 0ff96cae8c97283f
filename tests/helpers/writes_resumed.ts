/**
 * The wait of the full-disk tests once space is freed: the server writes again by itself. Every station has a
 * session more stored than it had (its retried CALLs answered at last), then /readyz answers 200 (the
 * store's episode ends once writes were stored with none refused for a second, store/write_health.ts).
 *
 * @example
 * ```ts ignore
 * await disk.free();
 * await writesResumed(server.url, stations, { sessionWithinMs: 15_000, readyWithinMs: 10_000 });
 * ```
 */
import type { RetryingStation } from "./retrying_station.ts";
import { eventually } from "./server.ts";

/** How long each half of the wait may take: a session per station, then /readyz 200. */
export interface ResumeBounds {
  sessionWithinMs: number;
  readyWithinMs: number;
}

export async function writesResumed(
  serverUrl: string,
  stations: readonly RetryingStation[],
  bounds: ResumeBounds,
): Promise<void> {
  const before = stations.map((s) => s.sessions.length);
  await eventually(
    () => stations.every((s, i) => s.sessions.length > before[i]!),
    bounds.sessionWithinMs,
    "a session per station after the disk is freed",
  );
  await eventually(
    async () => {
      const res = await fetch(`${serverUrl}/readyz`);
      await res.body?.cancel();
      return res.status === 200;
    },
    bounds.readyWithinMs,
    "/readyz 200 once writes are stored again",
  );
}
