/**
 * A station's histories (status changes, the command log, file transfer statuses) are paged like every other
 * list: `before` takes the `nextCursor` of the previous page, over real HTTP on both stores. A busy station
 * stores many entries in one millisecond (a StatusNotification per connector at boot): walking the pages gives
 * each one exactly once, in order. A cursor that is not one is a 400 with a JSON body, never the first page.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { FileStatusEntry } from "../model/file_status.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import type { StatusHistoryEntry } from "../model/status_history.ts";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";

type Json = Record<string, unknown>;

const STATION = "CP-HISTORY";

/** Times in storing order: most shared with others, some stored after newer ones. */
const TIMES = [
  "2024-05-01T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-01T10:00:00.000Z",
  "2024-05-03T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-01T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
  "2024-05-03T10:00:00.000Z",
  "2024-05-02T10:00:00.000Z",
];

/** The API server on a fresh store of `kind` (api_on_store.ts). */
const withServer = withApiServer;

/** Newest first, and the later stored first within a millisecond: the order every page follows. */
function newestFirst<T>(stored: T[], time: (t: T) => string, id: (t: T) => string): string[] {
  return stored.map((t, i) => ({ t, i }))
    .sort((a, b) => time(a.t) === time(b.t) ? b.i - a.i : (time(a.t) < time(b.t) ? 1 : -1))
    .map(({ t }) => id(t));
}

/** Follows `nextCursor` from the first page to the last; the ids of every page, in order. */
async function walk(
  server: ApiTestServer,
  path: string,
  limit: number,
  id: (item: Json) => string,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let before: string | null = null;
  for (let pages = 1; pages <= 40; pages++) {
    const url: string = `${path}?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ""}`;
    const res = await server.json(url, { as: "viewer" });
    assertEquals(res.status, 200, JSON.stringify(res.body));
    ids.push(...(res.body.items as Json[]).map(id));
    before = res.body.nextCursor;
    if (before === null) return { ids, pages };
    assertEquals(typeof before, "string");
  }
  throw new Error(`${path}: more than 40 pages`);
}

/** The three histories of STATION, stored with TIMES, and each one's path and order. */
async function storeHistories(server: ApiTestServer) {
  const put = await server.json(`/api/v1/charge-points/${STATION}`, {
    method: "PUT",
    body: { registrationStatus: "Accepted" },
  });
  assert(put.status === 200 || put.status === 201, JSON.stringify(put.body));
  const status: StatusHistoryEntry[] = TIMES.map((receivedAt, i) => ({
    chargePointId: STATION,
    connectorId: 1 + (i % 3),
    status: "Charging",
    errorCode: "NoError",
    info: `status-${i}`,
    timestamp: receivedAt,
    receivedAt,
  }));
  const commands: CommandLogEntry[] = TIMES.map((requestedAt, i) => ({
    id: `cmd-history-${i}`,
    chargePointId: STATION,
    action: "Reset",
    payload: { type: "Soft" },
    requestedBy: "user:root",
    requestedAt,
    outcome: "accepted",
    response: { status: "Accepted" },
    finishedAt: requestedAt,
  }));
  const files: FileStatusEntry[] = TIMES.map((receivedAt, i) => ({
    chargePointId: STATION,
    kind: "firmware",
    status: "Downloading",
    requestId: i,
    receivedAt,
  }));
  // Some in one commit (one sequence each, in order), the rest one at a time, as a station's frames come.
  await server.store.commit({
    chargePointId: STATION,
    statusHistory: status.slice(0, 4),
    fileStatus: files.slice(0, 4),
  });
  for (const [i, e] of status.entries()) {
    if (i >= 4) {
      await server.store.commit({ chargePointId: STATION, statusHistory: [e], fileStatus: [files[i]!] });
    }
    await server.store.appendCommandLog(commands[i]!);
  }
  // Another station's, of the same times: never on this one's pages.
  await server.store.commit({
    chargePointId: "CP-HISTORY-2",
    statusHistory: [{ ...status[1]!, chargePointId: "CP-HISTORY-2", info: "other" }],
    fileStatus: [{ ...files[1]!, chargePointId: "CP-HISTORY-2", requestId: 99 }],
  });
  await server.store.appendCommandLog({ ...commands[1]!, id: "cmd-other", chargePointId: "CP-HISTORY-2" });
  // Meter values: one MeterValues element at a time, of 1 to 3 sampled values, on two connectors; an element
  // of a connector and time stored already adds its new values beside the group. Within one time, the values
  // stored later come first.
  const meterValues: MeterValueRow[] = [];
  for (const [i, timestamp] of TIMES.entries()) {
    const element = Array.from({ length: 1 + (i % 3) }, (_, j): MeterValueRow => ({
      chargePointId: STATION,
      connectorId: 1 + (i % 2),
      transactionId: null,
      timestamp,
      value: `mv-${i}-${j}`,
      context: "Sample.Periodic",
      format: "Raw",
      measurand: `Energy.Active.Import.Register`,
      phase: j === 0 ? null : `L${j}`,
      location: "Outlet",
      unit: "Wh",
      receivedAt: timestamp,
    }));
    assertEquals(await server.store.addMeterValues(element), element.length);
    meterValues.push(...element);
  }
  await server.store.addMeterValues([{ ...meterValues[1]!, chargePointId: "CP-HISTORY-2", value: "other" }]);
  const base = `/api/v1/charge-points/${STATION}`;
  return [
    {
      path: `${base}/status-history`,
      id: (e: Json) => e.info as string,
      want: newestFirst(status, (e) => e.receivedAt, (e) => e.info!),
    },
    {
      path: `${base}/commands`,
      id: (e: Json) => e.id as string,
      want: newestFirst(commands, (e) => e.requestedAt, (e) => e.id),
    },
    {
      path: `${base}/file-status-history`,
      id: (e: Json) => `file-${e.requestId}`,
      want: newestFirst(files, (e) => e.receivedAt, (e) => `file-${e.requestId}`),
    },
    {
      path: `${base}/meter-values`,
      id: (e: Json) => e.value as string,
      want: newestFirst(meterValues, (e) => e.timestamp, (e) => e.value),
    },
  ];
}

async function pages(kind: StoreKind): Promise<void> {
  await withServer(kind, async (server) => {
    const lists = await storeHistories(server);
    for (const { path, id, want } of lists) {
      for (const limit of [2, 5]) {
        const walked = await walk(server, path, limit, id);
        assertEquals(walked.ids, want, `${path}, ${limit} a page`);
        assert(walked.pages >= 3, `${path}: more than one page`);
      }
      // Without limit: the default (100), all of them on one page, and no next.
      const whole = await server.json(path, { as: "viewer" });
      assertEquals(whole.status, 200);
      assertEquals((whole.body.items as Json[]).map(id), want, path);
      assertEquals(whole.body.nextCursor, null);
    }

    // A cursor that is not one: 400 with a JSON body, on every list.
    const bad = [
      "garbage",
      "2024-05-02T10:00:00Z_1",
      "2024-02-30T10:00:00.000Z_1",
      "2024-05-02T10:00:00.000Z_",
      "2024-05-02T10:00:00.000Z_A-1",
      "2024-05-02T10:00:00.000Z_1-x",
      `2024-05-02T10:00:00.000Z_${"1".repeat(41)}`,
      // Year 0: JavaScript writes it, PostgreSQL has no such date (it answered 500).
      "0000-01-01T00:00:00.000Z_1",
      "0000-01-01T00:00:00.000Z_1-0",
    ];
    // A sequence of KV's (base 36, dots) is well formed, but PostgreSQL never hands one out.
    const kvSequence = "0lw2xq7b4.000000.0a1b2c3";
    for (const { path } of lists) {
      // The meter values' cursors name a position in the entry too.
      const meter = path.endsWith("/meter-values");
      const cursor = (at: string, seq: string) => `${at}_${seq}${meter ? "-0" : ""}`;
      const refused = [
        ...bad,
        // The other lists' shape.
        meter ? "2024-05-02T10:00:00.000Z_1" : "2024-05-02T10:00:00.000Z_1-0",
        ...(kind === "postgres" ? [cursor("2024-05-02T10:00:00.000Z", kvSequence)] : []),
      ];
      for (const before of refused) {
        const res = await server.api(`${path}?before=${encodeURIComponent(before)}`, { as: "viewer" });
        assertEquals(res.status, 400, `${path} before=${before}`);
        assertMatch(res.headers.get("content-type") ?? "", /application\/json/);
        const body = await res.json();
        assertEquals(body.error, "invalid_request", JSON.stringify(body));
        assertEquals(body.details.field, "before", JSON.stringify(body));
      }
      // A cursor past everything: an empty last page.
      const past = await server.json(
        `${path}?before=${encodeURIComponent(cursor("2000-01-01T00:00:00.000Z", "1"))}`,
        {
          as: "viewer",
        },
      );
      assertEquals(past.status, 200, JSON.stringify(past.body));
      assertEquals(past.body, { items: [], nextCursor: null });
    }

    // The API's description says so.
    const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
    for (const { path } of lists) {
      const get = doc.paths[path.replace(STATION, "{id}")].get;
      const before = get.parameters.find((p: Json) => p.name === "before" && p.in === "query");
      assert(before && /nextCursor/.test(before.description ?? before.schema?.description), path);
      assert(/`before`/.test(get.description), `${path}: the description tells how to page`);
      const ok = get.responses["200"].content["application/json"].schema;
      assert(ok.properties.nextCursor, `${path}: nextCursor in the answer`);
    }
  });
}

Deno.test("station histories page with before, each entry once, on KV", () => pages("kv"));

Deno.test({
  name: "station histories page with before, each entry once, on PostgreSQL",
  ignore: await ignoreWithoutPostgres("history pages on PostgreSQL"),
  fn: () => pages("postgres"),
});
