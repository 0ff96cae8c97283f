import { assertEquals } from "@std/assert";
import {
  decodeListCursor,
  encodeListCursor,
  isHistorySequence,
  type ListCursor,
} from "../../model/list_cursor.ts";
import type { StatusHistoryEntry } from "../../model/status_history.ts";
import { type Cases, statusEntry } from "./harness.ts";

/**
 * The times of a status report, as every store gives them back: ISO 8601 UTC with milliseconds (what the API
 * documents for its cursors, and what the actors write), whatever precision or offset the writer used. KV
 * keeps what it is given and PostgreSQL's timestamptz keeps microseconds, so without this the two stores
 * ordered, paged and told copies apart by different times.
 */
export function statusTimeCases({ stationTest }: Cases): void {
  stationTest(
    "status history times come back as UTC milliseconds and sort by instant, however they were spelled",
    async ({ store }) => {
      await store().commit({
        chargePointId: "CP-1",
        statusHistory: [
          // 00:00 UTC, spelled with an offset: an earlier instant than the next one, a later string.
          statusEntry({
            timestamp: "2026-01-01T02:00:00.123456+02:00",
            receivedAt: "2026-01-01T02:00:01.987654+02:00",
            info: "offset",
          }),
          statusEntry({
            timestamp: "2026-01-01T00:30:00.000Z",
            receivedAt: "2026-01-01T00:30:00.500Z",
            info: "canonical",
          }),
        ],
      });
      const list = await store().listStatusHistory("CP-1", 10);
      assertEquals(list.map((e) => [e.info, e.timestamp, e.receivedAt]), [
        ["canonical", "2026-01-01T00:30:00.000Z", "2026-01-01T00:30:00.500Z"],
        ["offset", "2026-01-01T00:00:00.123Z", "2026-01-01T00:00:01.987Z"],
      ]);
      assertEquals((await store().pageStatusHistory("CP-1", { limit: 10 })).items, list);
    },
  );

  stationTest(
    "a report sent again with its time spelled finer than a millisecond is the same report",
    async ({ store }) => {
      const report = { receivedAt: "2026-01-01T00:00:05.000Z", timestamp: "2026-01-01T00:00:00.123100Z" };
      await store().appendStatusHistory(statusEntry(report));
      await store().appendStatusHistory(
        statusEntry({
          ...report,
          timestamp: "2026-01-01T00:00:00.123900Z",
          receivedAt: "2026-01-01T00:00:06Z",
        }),
      );
      const list = await store().listStatusHistory("CP-1", 10);
      assertEquals(list.map((e) => [e.timestamp, e.receivedAt]), [[
        "2026-01-01T00:00:00.123Z",
        "2026-01-01T00:00:05.000Z",
      ]]);
    },
  );

  stationTest(
    "paging through entries of one millisecond, the cursor sent back as the API spells it, reads each once",
    async ({ store }) => {
      // Stored in this order; the first three are one millisecond apart below it.
      const times = [
        "2026-01-01T00:00:00.123100Z",
        "2026-01-01T00:00:00.123900Z",
        "2026-01-01T00:00:00.123500Z",
        "2026-01-01T00:00:00.124Z",
      ];
      for (const [i, receivedAt] of times.entries()) {
        await store().appendStatusHistory(statusEntry({ receivedAt, info: `entry ${i}` }));
      }
      const read: StatusHistoryEntry[] = [];
      let before: ListCursor | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store().pageStatusHistory("CP-1", { limit: 1, ...(before ? { before } : {}) });
        read.push(...page.items);
        if (page.next === null) break;
        // Through the wire and back, as an operator's next request carries it.
        const sent = decodeListCursor(encodeListCursor(page.next), isHistorySequence);
        assertEquals(sent, page.next, "the cursor is of the form the API accepts back");
        before = sent!;
      }
      // Newest first; one millisecond's entries the later stored first, as for any entries of one time.
      assertEquals(read.map((e) => [e.info, e.receivedAt]), [
        ["entry 3", "2026-01-01T00:00:00.124Z"],
        ["entry 2", "2026-01-01T00:00:00.123Z"],
        ["entry 1", "2026-01-01T00:00:00.123Z"],
        ["entry 0", "2026-01-01T00:00:00.123Z"],
      ]);
    },
  );
}
