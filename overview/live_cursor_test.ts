import { assertEquals } from "@std/assert";
import { advanceLiveCursor, type LiveCursor, MAX_SEEN_TIMES } from "./live_cursor.ts";

const row = (receivedAt: string, timestamp: string) => ({ receivedAt, timestamp });
const RX = "2026-12-07T02:00:00.123Z";

Deno.test("advanceLiveCursor() takes a backlog value received in the cursor's millisecond, not the seen ones again", () => {
  const live = row(RX, "2026-12-07T01:59:00.000Z");
  const first = advanceLiveCursor({ since: null, seenTimes: [] }, [live]);
  assertEquals(first.cursor, { since: RX, seenTimes: [live.timestamp] });
  // Same millisecond: the live value again (inclusive since) and a backlog of an older time.
  const backlog = row(RX, "2026-12-07T01:30:00.000Z");
  const second = advanceLiveCursor(first.cursor, [live, backlog]);
  assertEquals(second.fresh, [backlog]);
  assertEquals(second.cursor, { since: RX, seenTimes: [live.timestamp, backlog.timestamp] });
  // A later millisecond starts afresh.
  const later = row("2026-12-07T02:00:00.124Z", "2026-12-07T02:00:00.000Z");
  const third = advanceLiveCursor(second.cursor, [live, backlog, later]);
  assertEquals(third.fresh, [later]);
  assertEquals(third.cursor, { since: later.receivedAt, seenTimes: [later.timestamp] });
});

Deno.test("advanceLiveCursor() keeps the span of more times than MAX_SEEN_TIMES, and still knows them seen", () => {
  const base = Date.parse("2026-12-01T00:00:00.000Z");
  const rows = Array.from(
    { length: MAX_SEEN_TIMES + 1 },
    (_, i) => row(RX, new Date(base + i * 60_000).toISOString()),
  );
  const at: LiveCursor = advanceLiveCursor({ since: null, seenTimes: [] }, rows).cursor;
  assertEquals(at, { since: RX, seenTimes: [], seenSpan: [rows[0]!.timestamp, rows.at(-1)!.timestamp] });
  const after = row(RX, new Date(base + (MAX_SEEN_TIMES + 5) * 60_000).toISOString());
  const next = advanceLiveCursor(at, [...rows, after]);
  assertEquals(next.fresh, [after]);
  assertEquals(next.cursor.seenSpan, [rows[0]!.timestamp, after.timestamp]);
});
