/**
 * A transaction's meter values are read by bounded pages (issue: the detail and the meter values endpoint
 * returned every value of a session, 2.3 MB for 40,000). A station sends a long session over a real
 * WebSocket; the operator reads the detail, every page, a live `since` read and the transaction page over
 * real HTTP, on Deno KV and on PostgreSQL. Each answer stays within MAX_METER_PAGE rows and
 * MAX_METER_PAGE_BYTES of them, and the pages together are the whole session, each value once, in order.
 */
import { assert, assertEquals } from "@std/assert";
import type { MeterValueRow } from "../model/meter_value.ts";
import { MAX_CHART_POINTS } from "../overview/chart_readings.ts";
import { MAX_METER_PAGE, MAX_METER_PAGE_BYTES } from "../overview/session_readings.ts";
import { ADMIN, type ApiTestServer } from "./helpers/api.ts";
import { withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const START = Date.parse("2026-11-30T00:00:00.000Z");
/** 5 MeterValues of 2,000 times × 4 measurands: 40,000 values, the reported session. */
const FRAMES = 5;
const TIMES_PER_FRAME = 2000;
const VALUES = FRAMES * TIMES_PER_FRAME * 4;
/** An answer's JSON beyond its meter values (the transaction's fields, the cursors). */
const ENVELOPE = 8 * 1024;

/** The API server on a fresh store of `kind` (api_on_store.ts). */
const withServer = withApiServer;

function frame(transactionId: number, f: number) {
  return {
    connectorId: 1,
    transactionId,
    meterValue: Array.from({ length: TIMES_PER_FRAME }, (_, i) => {
      const minute = f * TIMES_PER_FRAME + i;
      return {
        timestamp: new Date(START + minute * 60_000).toISOString(),
        sampledValue: [
          { value: String(minute * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" },
          { value: minute === 4321 ? "22000" : "6000", measurand: "Power.Active.Import", unit: "W" },
          { value: "26.1", measurand: "Current.Import", unit: "A", phase: "L1" },
          { value: "230.4", measurand: "Voltage", unit: "V", phase: "L1-N" },
        ],
      };
    }),
  };
}

async function startSession(station: Station): Promise<number> {
  const start = await station.call("StartTransaction", {
    connectorId: 1,
    idTag: "DRIVER",
    meterStart: 0,
    timestamp: new Date(START).toISOString(),
  });
  return start.transactionId as number;
}

interface Page {
  items: MeterValueRow[];
  cursor: string | null;
  nextCursor: string | null;
}

/** GET and the body's size in bytes, which every answer is held to. */
async function read<T>(
  server: ApiTestServer,
  path: string,
): Promise<{ status: number; body: T; bytes: number }> {
  const res = await server.api(path);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, bytes: new TextEncoder().encode(text).length };
}

/** Every page from `query`, each held to the bounds. */
async function readAll(server: ApiTestServer, transactionId: number, query = "") {
  const items: MeterValueRow[] = [];
  let cursor: string | null = null;
  let after: string | null = null as string | null;
  let pages = 0;
  do {
    const q: string = [query, after ? `after=${encodeURIComponent(after)}` : ""].filter(Boolean).join("&");
    const page: { status: number; body: Page; bytes: number } = await read<Page>(
      server,
      `/api/v1/transactions/${transactionId}/meter-values?${q}`,
    );
    assertEquals(page.status, 200);
    assert(page.body.items.length <= MAX_METER_PAGE, `a page of ${page.body.items.length} values`);
    assert(page.bytes <= MAX_METER_PAGE_BYTES + ENVELOPE, `a page of ${page.bytes} bytes`);
    items.push(...page.body.items);
    if (page.body.cursor !== null && (cursor === null || page.body.cursor > cursor)) {
      cursor = page.body.cursor;
    }
    after = page.body.nextCursor;
    pages++;
  } while (after !== null);
  return { items, cursor, pages };
}

const ignorePostgres = await ignoreWithoutPostgres("meter value pages on PostgreSQL");

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name:
      `${kind}: a ${VALUES}-value session is read by bounded pages: detail, meter values, since, the page`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withServer(kind, async (server) => {
        const station = await connectStation(server.wsUrl, "CP-METERPAGE");
        try {
          const transactionId = await startSession(station);
          for (let f = 0; f < FRAMES; f++) await station.call("MeterValues", frame(transactionId, f));
          const stored = await server.store.listMeterValuesByTransaction(transactionId);
          assertEquals(stored.length, VALUES);

          // The detail: the first page and where the rest start.
          const detail = await read<
            {
              meterValues: MeterValueRow[];
              meterValuesTruncated: boolean;
              meterValuesNextCursor: string | null;
            }
          >(server, `/api/v1/transactions/${transactionId}`);
          assertEquals(detail.status, 200);
          assertEquals(detail.body.meterValues.length, MAX_METER_PAGE);
          assertEquals(detail.body.meterValuesTruncated, true);
          assert(detail.bytes <= MAX_METER_PAGE_BYTES + ENVELOPE, `the detail is ${detail.bytes} bytes`);
          assertEquals(detail.body.meterValues, stored.slice(0, MAX_METER_PAGE));
          const second = await read<Page>(
            server,
            `/api/v1/transactions/${transactionId}/meter-values?after=${
              encodeURIComponent(detail.body.meterValuesNextCursor!)
            }&limit=3`,
          );
          assertEquals(second.body.items, stored.slice(MAX_METER_PAGE, MAX_METER_PAGE + 3));

          // Every page: the whole session, each value once, in order.
          const all = await readAll(server, transactionId);
          assertEquals(all.items, stored);
          assertEquals(all.pages, Math.ceil(VALUES / MAX_METER_PAGE));
          const small = await readAll(server, transactionId, "limit=777");
          assertEquals(small.items.length, VALUES);

          // A live chart's read: only the last frame's values, by pages too, and the cursor to go on from.
          const lastFrameAt = stored.at(-1)!.receivedAt;
          const since = await readAll(server, transactionId, `since=${encodeURIComponent(lastFrameAt)}`);
          assertEquals(since.items, stored.filter((r) => r.receivedAt >= lastFrameAt));
          assertEquals(since.items.length, TIMES_PER_FRAME * 4);
          assertEquals(since.cursor, lastFrameAt);

          // Bad paging is a 400 with a JSON body naming the parameter.
          for (
            const q of [`limit=${MAX_METER_PAGE + 1}`, "limit=0", "after=nonsense", "after=2026-11-30_x"]
          ) {
            const bad = await read<{ error: string; details?: { field?: string } }>(
              server,
              `/api/v1/transactions/${transactionId}/meter-values?${q}`,
            );
            assertEquals([q, bad.status, bad.body.error, bad.body.details?.field], [
              q,
              400,
              "invalid_request",
              q.split("=")[0],
            ]);
          }

          // The page draws the whole session, thinned: the first and last readings, the power peak.
          const cookie = await server.login(ADMIN.username, ADMIN.password);
          const res = await fetch(`${server.url}/transactions/${transactionId}`, { headers: { cookie } });
          const html = await res.text();
          assertEquals(res.status, 200);
          assert(html.length < 512 * 1024, `the page is ${html.length} characters`);
          const json = html.match(
            /data-island="TransactionChart" class="island"><script type="application\/json">(.*?)<\/script>/s,
          );
          const props = JSON.parse(json![1]!) as {
            readings: { energy: { t: number; v: number }[]; power: { t: number; v: number }[] };
            cursor: { since: string; seenTimes: string[]; seenSpan?: string[] };
          };
          const minutes = FRAMES * TIMES_PER_FRAME;
          assert(props.readings.energy.length <= MAX_CHART_POINTS);
          assertEquals(props.readings.energy[0], { t: START, v: 0 });
          assertEquals(props.readings.energy.at(-1), {
            t: START + (minutes - 1) * 60_000,
            v: (minutes - 1) * 100,
          });
          assertEquals(Math.max(...props.readings.power.map((p) => p.v)), 22000);
          // The last frame's 2,000 times, all received at the cursor, are kept as their span (small props).
          assertEquals(props.cursor, {
            since: lastFrameAt,
            seenTimes: [],
            seenSpan: [
              new Date(START + (minutes - TIMES_PER_FRAME) * 60_000).toISOString(),
              new Date(START + (minutes - 1) * 60_000).toISOString(),
            ],
          });
          assert(!html.includes("data-chart-partial"));
        } finally {
          await closeStation(station);
        }
      }),
  });

  Deno.test({
    name: `${kind}: pages of 5,000-character sampled values stay within ${MAX_METER_PAGE_BYTES} bytes`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withServer(kind, async (server) => {
        const station = await connectStation(server.wsUrl, "CP-METERPAGE-SIGNED");
        try {
          const transactionId = await startSession(station);
          // Signed meter data is long: 2 frames of 400 values of 5,000 characters, 4 MB in all.
          for (let f = 0; f < 2; f++) {
            await station.call("MeterValues", {
              connectorId: 1,
              transactionId,
              meterValue: Array.from({ length: 400 }, (_, i) => ({
                timestamp: new Date(START + (f * 400 + i) * 1000).toISOString(),
                sampledValue: [{ value: String(i % 10).repeat(5000), format: "SignedData" }],
              })),
            });
          }
          const detail = await read<{ meterValues: unknown[]; meterValuesTruncated: boolean }>(
            server,
            `/api/v1/transactions/${transactionId}`,
          );
          assert(detail.bytes <= MAX_METER_PAGE_BYTES + ENVELOPE, `the detail is ${detail.bytes} bytes`);
          assertEquals(detail.body.meterValuesTruncated, true);
          const all = await readAll(server, transactionId);
          assertEquals(all.items.length, 800);
          assertEquals(all.items, await server.store.listMeterValuesByTransaction(transactionId));
          assert(all.pages >= 2);
        } finally {
          await closeStation(station);
        }
      }),
  });

  Deno.test({
    name:
      `${kind}: 2.0.1, 5 TransactionEvents of 8,000 sampled values: the detail and each page stay bounded`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withServer(kind, async (server) => {
        const station = await connectStation201(server.wsUrl, "CP-METERPAGE-201");
        try {
          for (let seqNo = 0; seqNo < FRAMES; seqNo++) {
            const { meterValue } = frame(0, seqNo);
            await station.call("TransactionEvent", {
              eventType: seqNo === 0 ? "Started" : "Updated",
              seqNo,
              timestamp: meterValue[0]!.timestamp,
              triggerReason: seqNo === 0 ? "CablePluggedIn" : "MeterValuePeriodic",
              transactionInfo: { transactionId: "meterpage-1" },
              ...(seqNo === 0 ? { evse: { id: 1, connectorId: 1 } } : {}),
              meterValue: meterValue.map((m) => ({
                timestamp: m.timestamp,
                sampledValue: m.sampledValue.map(({ value, measurand, unit, phase }) => ({
                  value: Number(value),
                  measurand,
                  unitOfMeasure: { unit },
                  ...(phase ? { phase } : {}),
                })),
              })),
            });
          }
          const list = await read<{ items: { transactionId: number }[] }>(
            server,
            "/api/v1/transactions?chargePointId=CP-METERPAGE-201",
          );
          const transactionId = list.body.items[0]!.transactionId;
          const stored = await server.store.listMeterValuesByTransaction(transactionId);
          assertEquals(stored.length, VALUES);
          const detail = await read<{ meterValues: unknown[]; meterValuesTruncated: boolean }>(
            server,
            `/api/v1/transactions/${transactionId}`,
          );
          assertEquals([detail.body.meterValues.length, detail.body.meterValuesTruncated], [
            MAX_METER_PAGE,
            true,
          ]);
          assert(detail.bytes <= MAX_METER_PAGE_BYTES + ENVELOPE, `the detail is ${detail.bytes} bytes`);
          const all = await readAll(server, transactionId);
          assertEquals(all.items, stored);
        } finally {
          await closeStation(station);
        }
      }),
  });
}
