/**
 * Snapshots fetched while live events come in: a snapshot whose request was in flight when an event arrived
 * may predate that event (the server read it first) and would undo it, and no later event repairs what it
 * undid. Such a snapshot is dropped and fetched again; while events keep overtaking, the next try waits.
 */

/** How often a refetch tries at once before it waits `retryMs` for a quiet moment. */
const TRIES = 3;

export interface OvertakenSnapshots {
  /** Call for every live event applied. */
  eventSeen(): void;
  /** Fetch a snapshot and apply it, unless an event overtook it (then fetch again). */
  refetch(): Promise<void>;
}

export function overtakenSnapshots<T>(
  fetchSnapshot: () => Promise<T>,
  apply: (snapshot: T) => void,
  retryMs = 1000,
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): OvertakenSnapshots {
  let events = 0;
  const refetch = async (): Promise<void> => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const before = events;
      let snapshot: T;
      try {
        snapshot = await fetchSnapshot();
      } catch {
        return; // The next event or reconnect tries again.
      }
      if (events === before) return apply(snapshot);
    }
    await wait(retryMs);
    return refetch();
  };
  return { eventSeen: () => void events++, refetch };
}
