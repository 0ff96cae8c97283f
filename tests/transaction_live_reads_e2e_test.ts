/**
 * What a running transaction's live reads cost, counted, on a 40,000-value session a station sent over a real
 * WebSocket, read by an operator over real HTTP, on Deno KV and PostgreSQL (tests/helpers/counted_reads.ts):
 * - the live chart's `since` read reads the values that are new, not the session (it walked all of it on every
 *   poll), and still finds a backlog the station sends with old timestamps;
 * - the running energy (the dashboard's `GET /transactions/energy`) reads a bounded tail of the session when
 *   the station's newest values hold no register reading (it read every value of the session);
 * - the page's "Energy readings" is the session's count, not the points the chart draws.
 */
import { assert, assertEquals } from "@std/assert";
import type { MeterValueRow } from "../model/meter_value.ts";
import { MAX_CHART_POINTS } from "../overview/chart_readings.ts";
import { ADMIN, type ApiTestServer } from "./helpers/api.ts";
import { withCountedReadsServer } from "./helpers/counted_reads.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

/** 5 MeterValues of 2,000 times × 4 measurands: 40,000 values, 10,000 energy readings. */
const FRAMES = 5;
const TIMES_PER_FRAME = 2000;
const MINUTES = FRAMES * TIMES_PER_FRAME;
/**
 * The session began a week ago and its last frames are of the last minutes, as a real one's: what arrives
 * within minutes of its time is read by time, a backlog by arrival.
 */
const START = Date.now() - (MINUTES + 3) * 60_000;
/** What a read of a few new values may cost: a few entries, and the server's own reads meanwhile. */
const FEW = 100;

function sampled(minute: number, measurands: "all" | "power" = "all") {
  const power = { value: minute === 4321 ? "22000" : "6000", measurand: "Power.Active.Import", unit: "W" };
  return {
    timestamp: new Date(START + minute * 60_000).toISOString(),
    sampledValue: measurands === "power" ? [power] : [
      { value: String(minute * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" },
      power,
      { value: "26.1", measurand: "Current.Import", unit: "A", phase: "L1" },
      { value: "230.4", measurand: "Voltage", unit: "V", phase: "L1-N" },
    ],
  };
}

async function longSession(station: Station): Promise<number> {
  const start = await station.call("StartTransaction", {
    connectorId: 1,
    idTag: "DRIVER",
    meterStart: 0,
    timestamp: new Date(START).toISOString(),
  });
  const transactionId = start.transactionId as number;
  for (let f = 0; f < FRAMES; f++) {
    await station.call("MeterValues", {
      connectorId: 1,
      transactionId,
      meterValue: Array.from({ length: TIMES_PER_FRAME }, (_, i) => sampled(f * TIMES_PER_FRAME + i)),
    });
  }
  return transactionId;
}

interface Page {
  items: MeterValueRow[];
  cursor: string | null;
  nextCursor: string | null;
}

async function get<T>(server: ApiTestServer, path: string): Promise<T> {
  const res = await server.json<T>(path);
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const ignorePostgres = await ignoreWithoutPostgres("live reads on PostgreSQL");

for (const kind of ["kv", "postgres"] as const) {
  Deno.test({
    name:
      `${kind}: on a 40,000-value session a live since read reads what is new, and the page counts every reading`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withCountedReadsServer(kind, async (server, reads) => {
        const station = await connectStation(server.wsUrl, "CP-LIVEREADS");
        try {
          const transactionId = await longSession(station);
          const path = `/api/v1/transactions/${transactionId}/meter-values`;
          // The chart has everything up to a small frame; two more arrive, one a backlog of old times.
          await station.call("MeterValues", {
            connectorId: 1,
            transactionId,
            meterValue: [sampled(MINUTES)],
          });
          const seen = (await server.store.listMeterValuesByTransaction(transactionId)).at(-1)!.receivedAt;
          await new Promise((r) => setTimeout(r, 5));
          await station.call("MeterValues", {
            connectorId: 1,
            transactionId,
            meterValue: [sampled(MINUTES + 1)],
          });
          await station.call("MeterValues", {
            connectorId: 1,
            transactionId,
            meterValue: [{ ...sampled(17), timestamp: new Date(START + 17 * 60_000 + 30_000).toISOString() }],
          });
          const stored = await server.store.listMeterValuesByTransaction(transactionId);
          const wanted = stored.filter((r) => r.receivedAt >= seen);
          assertEquals(wanted.length, 12);

          let page: Page | undefined;
          const cost = await reads.of(async () => {
            page = await get<Page>(server, `${path}?since=${encodeURIComponent(seen)}`);
          });
          assert(cost <= FEW, `a since read of 12 new values read ${cost} (${kind})`);
          // Every new value, the backlog's too, in the order they arrived, and the cursor to go on from.
          assertEquals(
            page!.items.map((r) => [r.timestamp, r.measurand]).sort(),
            wanted.map((r) => [r.timestamp, r.measurand]).sort(),
          );
          const backlogAt = new Date(START + 17 * 60_000 + 30_000).toISOString();
          assertEquals(page!.items.slice(-4).map((r) => r.timestamp), Array(4).fill(backlogAt));
          const newest = wanted.map((r) => r.receivedAt).sort().at(-1)!;
          assertEquals([page!.cursor, page!.nextCursor], [newest, null]);

          // By pages too: each page still reads about what it answers.
          let after: string | null = null;
          const paged: MeterValueRow[] = [];
          const pagedCost = await reads.of(async () => {
            do {
              const q: string = `since=${encodeURIComponent(seen)}&limit=5` +
                (after ? `&after=${encodeURIComponent(after)}` : "");
              const p: Page = await get<Page>(server, `${path}?${q}`);
              paged.push(...p.items);
              after = p.nextCursor;
            } while (after !== null);
          });
          assertEquals(paged, page!.items);
          assert(pagedCost <= FEW, `3 pages of since read ${pagedCost} (${kind})`);

          // The page: the chart is thinned, the count of energy readings is the session's.
          const cookie = await server.login(ADMIN.username, ADMIN.password);
          const res = await fetch(`${server.url}/transactions/${transactionId}`, { headers: { cookie } });
          const html = await res.text();
          assertEquals(res.status, 200);
          const island = html.match(
            /data-island="TransactionChart" class="island"><script type="application\/json">(.*?)<\/script>/s,
          );
          const props = JSON.parse(island![1]!) as {
            readings: { energy: unknown[] };
            energyReadings: number;
          };
          assert(props.readings.energy.length <= MAX_CHART_POINTS);
          // 10,000 times of the session, 2 more, and the backlog's time between two others.
          assertEquals(props.energyReadings, MINUTES + 3);
          assert(html.includes(`data-readings="${MINUTES + 3}"`), "the count shown is the session's");
        } finally {
          await closeStation(station);
        }
      }),
  });

  Deno.test({
    name:
      `${kind}: the running energy of a 40,000-value session whose newest values hold no register reads a bounded tail`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withCountedReadsServer(kind, async (server, reads) => {
        const station = await connectStation(server.wsUrl, "CP-LIVEENERGY");
        try {
          const transactionId = await longSession(station);
          // 300 readings of power only: the station's newest 200 values say nothing of the register.
          await station.call("MeterValues", {
            connectorId: 1,
            transactionId,
            meterValue: Array.from({ length: 300 }, (_, i) => sampled(MINUTES + i, "power")),
          });
          let energy: { items: { transactionId: number; energyWh: number }[] } | undefined;
          const cost = await reads.of(async () => {
            energy = await get(server, `/api/v1/transactions/energy?ids=${transactionId}`);
          });
          // The newest register reading: minute 9,999's.
          assertEquals(energy!.items.map((i) => [i.transactionId, i.energyWh]), [[
            transactionId,
            (MINUTES - 1) * 100,
          ]]);
          assert(cost <= 3000, `the running energy read ${cost} (${kind})`);
        } finally {
          await closeStation(station);
        }
      }),
  });
}
