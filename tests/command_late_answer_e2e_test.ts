/**
 * A station that answers a command after CALL_TIMEOUT_MS: the operator's request met the timeout (504, and
 * `timeout` in the command log), but the station did answer, and may have acted. The command log says so on
 * the same row: `lateAnswer` with what it answered (a CALLRESULT or a CALLERROR) and when, through the API and
 * on the station page, on both stores; what a late answer teaches the snapshot is applied (a configuration
 * value). An answer to an id we never sent is still dropped: on no row.
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN, type ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { openRaw, rawCall, type RawSocket } from "./helpers/station.ts";

type Json = Record<string, unknown>;

const TIMEOUT_MS = 300;

/** Sends `action` as an operator and gives the CALL the station got, and the operator's answer to come. */
async function commandNotAnswered(
  server: ApiTestServer,
  station: RawSocket,
  id: string,
  action: string,
  body: unknown,
): Promise<string> {
  const asked = server.json(`/api/v1/charge-points/${id}/${action}?force=true`, {
    method: "POST",
    as: "operator",
    body,
  });
  const call = await station.next(10_000) as unknown[];
  assertEquals([call[0], call[2]], [2, action]);
  const answer = await asked;
  assertEquals([answer.status, answer.body.error], [504, "station_timeout"], JSON.stringify(answer.body));
  return call[1] as string;
}

async function commandsOf(server: ApiTestServer, id: string): Promise<Json[]> {
  const res = await server.json(`/api/v1/charge-points/${id}/commands`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body.items as Json[];
}

async function lateAnswers(kind: StoreKind): Promise<void> {
  await withApiServer(kind, async (server) => {
    const id = `CP-LATE-CMD-${kind}`;
    const station = await openRaw(`${server.wsUrl}/${id}`);
    try {
      const boot = await rawCall(station, "BootNotification", {
        chargePointVendor: "Acme",
        chargePointModel: "X",
      });
      assertEquals(boot[0], 3);

      // A CALLRESULT after the timeout: no effect is applied late for a Reset, but the row records it.
      const resetId = await commandNotAnswered(server, station, id, "Reset", { type: "Soft" });
      const before = Date.now();
      station.send(JSON.stringify([3, resetId, { status: "Accepted" }]));
      const reset = await eventually(
        async () => {
          const row = (await commandsOf(server, id)).find((c) => c.action === "Reset");
          return row?.lateAnswer ? row : null;
        },
        10_000,
        "the late Reset answer on its row",
      );
      assertEquals(reset!.outcome, "timeout");
      assertEquals(reset!.response, null);
      const late = reset!.lateAnswer as Json;
      assertEquals([late.outcome, late.response], ["accepted", { status: "Accepted" }]);
      assert(Date.parse(late.at as string) >= before - 1000, `late.at ${late.at}`);
      assert(Date.parse(late.at as string) >= Date.parse(reset!.finishedAt as string), "after the timeout");

      // A CALLERROR after the timeout.
      const configId = await commandNotAnswered(server, station, id, "ChangeConfiguration", {
        key: "HeartbeatInterval",
        value: "60",
      });
      station.send(JSON.stringify([4, configId, "NotSupported", "Not now", { why: "busy" }]));
      const config = await eventually(
        async () => {
          const row = (await commandsOf(server, id)).find((c) => c.action === "ChangeConfiguration");
          return row?.lateAnswer ? row : null;
        },
        10_000,
        "the late CALLERROR on its row",
      );
      assertEquals(config!.outcome, "timeout");
      assertEquals((config!.lateAnswer as Json).outcome, "callerror");
      assertEquals((config!.lateAnswer as Json).response, {
        errorCode: "NotSupported",
        errorDescription: "Not now",
        errorDetails: { why: "busy" },
      });

      // An answer to an id never sent, and a second answer to the Reset: dropped, on no row.
      station.send(JSON.stringify([3, "never-sent-0001", { status: "Rejected" }]));
      station.send(JSON.stringify([3, resetId, { status: "Rejected" }]));
      // The station is still served after them (and they were handled before this CALL, in order).
      assertEquals((await rawCall(station, "Heartbeat", {}))[0], 3);
      const rows = await commandsOf(server, id);
      assertEquals(rows.length, 2);
      assertEquals(
        rows.map((r) => [r.action, r.outcome, (r.lateAnswer as Json | undefined)?.outcome]),
        [["ChangeConfiguration", "timeout", "callerror"], ["Reset", "timeout", "accepted"]],
      );
      assertEquals((rows[1]!.lateAnswer as Json).response, { status: "Accepted" }, "the first answer stays");

      // The station page's command log shows both.
      const cookie = await server.login(ADMIN.username, ADMIN.password);
      const page = await fetch(`${server.url}/stations/${id}`, { headers: { cookie } });
      const html = await page.text();
      assertEquals(page.status, 200);
      assert(html.includes('data-late-answer="accepted"'), "the late CALLRESULT on the page");
      assert(html.includes('data-late-answer="callerror"'), "the late CALLERROR on the page");
      assert(html.includes("NotSupported"), "what the CALLERROR said");

      // A late Accepted ChangeConfiguration: the stored configuration learns the value, as from a timely one.
      const intervalId = await commandNotAnswered(server, station, id, "ChangeConfiguration", {
        key: "MeterValueSampleInterval",
        value: "30",
      });
      station.send(JSON.stringify([3, intervalId, { status: "Accepted" }]));
      const configuration = await eventually(
        async () => {
          const res = await server.json(`/api/v1/charge-points/${id}/configuration`, { as: "viewer" });
          const keys = (res.body.configuration ?? []) as Json[];
          return keys.find((k) => k.key === "MeterValueSampleInterval") ?? null;
        },
        10_000,
        "the late accepted value in the stored configuration",
      );
      assertEquals(configuration, { key: "MeterValueSampleInterval", readonly: false, value: "30" });
    } finally {
      await station.close();
    }
  }, { CALL_TIMEOUT_MS: String(TIMEOUT_MS) });
}

Deno.test("a command answered after its timeout keeps timeout and records the late answer (KV)", () =>
  lateAnswers("kv"));

Deno.test({
  name: "a command answered after its timeout keeps timeout and records the late answer (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("late command answers on PostgreSQL"),
  fn: () => lateAnswers("postgres"),
});
