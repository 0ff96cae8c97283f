import { assert, assertEquals } from "@std/assert";
import type { ListCursor } from "../../model/list_cursor.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { at, type Cases, command, meterRow, statusEntry } from "./harness.ts";

/**
 * Follows `next` from the first page to the last, `limit` at a time: every entry read, in order, and how many
 * pages it took. A cursor that came back twice would loop: the walk stops at 50 pages.
 */
async function walk<T>(
  read: (page: HistoryPageRequest) => Promise<HistoryPage<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let before: ListCursor | undefined;
  for (let pages = 1; pages <= 50; pages++) {
    const page = await read({ limit, ...(before ? { before } : {}) });
    assert(page.items.length <= limit);
    items.push(...page.items);
    if (page.next === null) {
      return { items, pages };
    }
    assertEquals(page.items.length, limit, "a page with a next is full");
    before = page.next;
  }
  throw new Error("more than 50 pages");
}

/**
 * The times entries are stored with, in storing order: several share a millisecond, and some are stored after
 * newer ones (a page boundary falls inside a millisecond whatever the limit).
 */
const MINUTES = [1, 2, 2, 2, 1, 3, 2, 2, 1, 3, 3];

/** Newest first: by time, then the later stored first (each entry's index in storing order). */
function newestFirst<T>(stored: T[], time: (t: T) => string): T[] {
  return stored.map((t, i) => ({ t, i })).sort((a, b) => {
    const ta = time(a.t);
    const tb = time(b.t);
    return ta === tb ? b.i - a.i : (ta < tb ? 1 : -1);
  }).map(({ t }) => t);
}

/** The station histories paged with a cursor (status, commands, file transfers). */
export function historyPageCases({ stationTest }: Cases): void {
  stationTest(
    "pageStatusHistory() pages newest first with next: each entry once, those of one millisecond too",
    async ({ store }) => {
      const stored = MINUTES.map((m, i) => statusEntry({ receivedAt: at(m), info: `entry ${i}` }));
      // One commit of three, then one at a time; another station's in between.
      await store().commit({ chargePointId: "CP-1", statusHistory: stored.slice(0, 3) });
      for (const [i, e] of stored.slice(3).entries()) {
        await store().appendStatusHistory(e);
        if (i === 2) {
          await store().appendStatusHistory(statusEntry({ chargePointId: "CP-2", receivedAt: at(2) }));
        }
      }
      const want = newestFirst(stored, (e) => e.receivedAt);
      assertEquals(await store().listStatusHistory("CP-1", 100), want, "the same order as the list");
      for (const limit of [1, 2, 3, 11, 12]) {
        const { items, pages } = await walk((p) => store().pageStatusHistory("CP-1", p), limit);
        assertEquals(items, want, `limit ${limit}`);
        // A full last page is followed by an empty one (its fullness cannot tell it is the last).
        assertEquals(pages, Math.floor(want.length / limit) + 1, `limit ${limit}`);
      }
      assertEquals(await store().pageStatusHistory("CP-3", { limit: 5 }), { items: [], next: null });
    },
  );

  stationTest(
    "pageCommandLog() pages newest first with next: each command once, a settled row in its place",
    async ({ store }) => {
      const stored = MINUTES.map((m, i) =>
        command(`cmd-${i}`, { requestedAt: at(m), finishedAt: at(m + 0.5) })
      );
      for (const [i, e] of stored.entries()) {
        await store().appendCommandLog(
          i === 4 ? { ...e, outcome: "sending", response: null, finishedAt: null } : e,
        );
        if (i === 5) {
          await store().appendCommandLog(command("other", { chargePointId: "CP-2", requestedAt: at(2) }));
        }
      }
      // Settled after newer ones were appended: it keeps its place.
      await store().appendCommandLog(stored[4]!);
      const want = newestFirst(stored, (e) => e.requestedAt);
      assertEquals(await store().listCommandLog("CP-1", 100), want, "the same order as the list");
      for (const limit of [1, 2, 3, 11]) {
        const { items } = await walk((p) => store().pageCommandLog("CP-1", p), limit);
        assertEquals(items.map((e) => e.id), want.map((e) => e.id), `limit ${limit}`);
        assertEquals(items, want);
      }
      assertEquals((await walk((p) => store().pageCommandLog("CP-2", p), 2)).items.map((e) => e.id), [
        "other",
      ]);
    },
  );

  stationTest(
    "pageFileStatus() pages newest first with next: each entry once, those of one millisecond too",
    async ({ store }) => {
      const stored = MINUTES.map((m, i) => ({
        chargePointId: "CP-1",
        kind: "diagnostics" as const,
        status: "Uploading",
        requestId: i,
        receivedAt: at(m),
      }));
      await store().commit({ chargePointId: "CP-1", fileStatus: stored.slice(0, 4) });
      await store().commit({ chargePointId: "CP-2", fileStatus: [{ ...stored[0]!, chargePointId: "CP-2" }] });
      await store().commit({ chargePointId: "CP-1", fileStatus: stored.slice(4) });
      const want = newestFirst(stored, (e) => e.receivedAt);
      assertEquals(await store().listFileStatus("CP-1", 100), want, "the same order as the list");
      for (const limit of [1, 2, 3, 11]) {
        const { items } = await walk((p) => store().pageFileStatus("CP-1", p), limit);
        assertEquals(items.map((e) => e.requestId), want.map((e) => e.requestId), `limit ${limit}`);
      }
    },
  );

  stationTest(
    "pageMeterValuesByChargePoint() pages rows newest first: each once, across groups and overlaps of one time",
    async ({ store }) => {
      const rows = (timestamp: string, connectorId: number, values: string[]): MeterValueRow[] =>
        values.map((value) => meterRow({ connectorId, timestamp, measurand: `M-${value}`, value }));
      const t1 = rows(at(1), 1, ["1a", "1b", "1c"]);
      const t2c1 = rows(at(2), 1, ["2a", "2b", "2c", "2d"]);
      const t2c2 = rows(at(2), 2, ["2x", "2y"]);
      const t3 = rows(at(3), 1, ["3a"]);
      // Groups of one time on two connectors, then frames overlapping them (stored as loose rows), then older.
      await store().addMeterValues([...t2c1.slice(0, 2), ...t2c2.slice(0, 1)]);
      await store().addMeterValues([...t3, ...t2c1, ...t2c2]);
      await store().addMeterValues(t1);
      await store().addMeterValues([meterRow({ chargePointId: "CP-2", timestamp: at(2), value: "other" })]);
      const all = await store().listMeterValuesByChargePoint("CP-1", 100);
      assertEquals(all.length, 10);
      assertEquals(all[0], t3[0]);
      for (const limit of [1, 2, 3, 4, 7, 10]) {
        const { items } = await walk((p) => store().pageMeterValuesByChargePoint("CP-1", p), limit);
        assertEquals(items, all, `limit ${limit}`);
      }
    },
  );
}
