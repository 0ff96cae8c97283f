import { assertEquals } from "@std/assert";
import type { ListCursor } from "../model/list_cursor.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { readingsSince } from "./session_readings.ts";

function row(i: number, value: string, receivedAt: string): MeterValueRow {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 7,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    value,
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt,
  };
}

/**
 * A store over `rows` (in arrival order too) whose cursor id is the index of the last row read; counts the
 * rows it reads.
 */
function storeOf(rows: MeterValueRow[]) {
  const pageOf = (list: MeterValueRow[], page: { limit: number; after?: ListCursor }) => {
    const from = page.after === undefined ? 0 : Number(page.after.id) + 1;
    const items = list.slice(from, from + page.limit);
    store.rowsRead += items.length;
    const end = from + items.length;
    return Promise.resolve({ items, next: end < list.length ? { at: "x", id: String(end - 1) } : null });
  };
  const store = {
    rowsRead: 0,
    pageMeterValuesByTransaction(_: number, page: { limit: number; after?: ListCursor }) {
      return pageOf(rows, page);
    },
    pageMeterValuesReceivedSince(_: number, page: { since: string; limit: number; after?: ListCursor }) {
      return pageOf(rows.filter((r) => r.receivedAt >= page.since), page);
    },
  };
  return store;
}

const walk = async (
  store: ReturnType<typeof storeOf>,
  since: string | null,
  limit: number,
  maxBytes: number,
) => {
  const pages: MeterValueRow[][] = [];
  let after: ListCursor | undefined;
  for (;;) {
    const page = await readingsSince(store, 7, since, { limit, ...(after ? { after } : {}) }, maxBytes);
    pages.push(page.items);
    if (page.next === null) return pages;
    after = page.next;
  }
};

Deno.test("readingsSince() ends a page at the byte budget and the next page starts at the first row left out", async () => {
  const rows = Array.from({ length: 10 }, (_, i) => row(i, i % 3 === 0 ? "x".repeat(900) : "1", "t1"));
  const store = storeOf(rows);
  const pages = await walk(store, null, 100, 1500);
  assertEquals(pages.flat(), rows);
  for (const page of pages) assertEquals(JSON.stringify(page).length <= 1500, true);
  assertEquals(pages.length > 1, true);
});

Deno.test("readingsSince() with since reads only the values received since, by pages within the limit", async () => {
  const rows = Array.from(
    { length: 30 },
    (_, i) => row(i, "1", i < 20 ? "2026-01-01T00:00:00.000Z" : "2026-01-02T00:00:00.000Z"),
  );
  const store = storeOf(rows);
  const pages = await walk(store, "2026-01-02T00:00:00.000Z", 4, Infinity);
  assertEquals(pages.flat(), rows.slice(20));
  for (const page of pages) assertEquals(page.length <= 4, true);
  assertEquals(store.rowsRead, 10);
});

Deno.test("readingsSince() with since holds a page to the byte budget", async () => {
  const rows = Array.from({ length: 10 }, (_, i) => row(i, i % 3 === 0 ? "x".repeat(900) : "1", `t${i % 2}`));
  const pages = await walk(storeOf(rows), "t1", 100, 1500);
  assertEquals(pages.flat(), rows.filter((r) => r.receivedAt === "t1"));
  for (const page of pages) assertEquals(JSON.stringify(page).length <= 1500, true);
});
