/**
 * Where a live chart's reading of new meter values stands: the newest receivedAt it has read (the next
 * `since`, inclusive, so a value received in the same millisecond as the last one is not missed) and the times
 * of the values it has read that were received in that millisecond. An inclusive read brings those again; they
 * are told from values new in that millisecond (a backlog frame of old times, say) by their time, not by
 * whether it is past the chart's end, so none is lost and none counted twice. One frame holds every value of
 * its time, so a time seen is a time read whole.
 *
 * The times are kept up to `MAX_SEEN_TIMES` (a page's props stay small after a backlog of thousands of times
 * in one frame); past it, the span from the oldest to the newest stands for them.
 *
 * @example
 * ```ts
 * let at: LiveCursor = { since: null, seenTimes: [] };
 * const step = advanceLiveCursor(at, []); // step.fresh: the rows new to the chart
 * at = step.cursor;
 * ```
 */

/** The distinct times kept of the values read in the cursor's millisecond. */
export const MAX_SEEN_TIMES = 200;

export interface LiveRow {
  receivedAt: string;
  timestamp: string;
}

export interface LiveCursor {
  /** The newest receivedAt read: the next `since`. */
  since: string | null;
  /** The times of the values read that were received at `since`. */
  seenTimes: string[];
  /** Past `MAX_SEEN_TIMES` of them: the oldest and newest, every time between counted as seen. */
  seenSpan?: [string, string];
}

/** The rows of a `since` read that are new to the chart, and the cursor to read on from. */
export function advanceLiveCursor<R extends LiveRow>(
  at: LiveCursor,
  rows: readonly R[],
): { fresh: R[]; cursor: LiveCursor } {
  const seen = new Set(at.seenTimes);
  const wasSeen = (t: string) =>
    seen.has(t) || (at.seenSpan !== undefined && Date.parse(t) >= Date.parse(at.seenSpan[0]) &&
      Date.parse(t) <= Date.parse(at.seenSpan[1]));
  const fresh = rows.filter((r) =>
    at.since === null || r.receivedAt > at.since || (r.receivedAt === at.since && !wasSeen(r.timestamp))
  );
  let since = at.since;
  for (const r of fresh) if (since === null || r.receivedAt > since) since = r.receivedAt;
  // The same millisecond still: what was seen in it stays seen.
  const sameMs = since === at.since;
  const times = sameMs ? seen : new Set<string>();
  for (const r of fresh) if (r.receivedAt === since) times.add(r.timestamp);
  const span = sameMs ? at.seenSpan : undefined;
  if (times.size <= MAX_SEEN_TIMES && span === undefined) {
    return { fresh, cursor: { since, seenTimes: [...times] } };
  }
  const ms = [...times].map(Date.parse);
  if (span) ms.push(Date.parse(span[0]), Date.parse(span[1]));
  const seenSpan: [string, string] = [
    new Date(Math.min(...ms)).toISOString(),
    new Date(Math.max(...ms)).toISOString(),
  ];
  return { fresh, cursor: { since, seenTimes: [], seenSpan } };
}
