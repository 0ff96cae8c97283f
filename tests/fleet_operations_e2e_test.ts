/**
 * Stuck transactions, alerts and retention end to end, on Deno KV and on PostgreSQL: an admin closes an open
 * transaction by hand (recorded as such; the station's later StopTransaction replaces the estimate), a transaction still open
 * when its connector is Available after a reboot is flagged, offline and Faulted stations are alerts, and
 * old meter values and status history are pruned in the background while new ones stay.
 */
import { assert, assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ignorePostgres = await ignoreWithoutPostgres("fleet operations e2e on PostgreSQL");
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `${kind}: an admin closes a stuck transaction by hand; one left open across a reboot is flagged`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const station = await connectStation(server.wsUrl, "CP-STUCK");
        try {
          const start = await station.call("StartTransaction", {
            connectorId: 1,
            idTag: "TAG-1",
            meterStart: 1000,
            timestamp: minutesAgo(120),
          });
          const id = start.transactionId;
          const close = (body: Json, as: "admin" | "operator" = "admin") =>
            server.json(`/api/v1/transactions/${id}/close`, { method: "POST", as, body });
          assertEquals(
            (await close({ timestamp: minutesAgo(60), meterStop: 5000, reason: "x" }, "operator")).status,
            403,
          );
          const early = await close({ timestamp: minutesAgo(180), meterStop: 5000, reason: "cable stuck" });
          assertEquals([early.status, early.body.details.field], [400, "timestamp"]);
          const future = await close({ timestamp: "2099-01-01T00:00:00Z", meterStop: 5000, reason: "typo" });
          assertEquals([future.status, future.body.details.field], [400, "timestamp"]);
          const low = await close({ timestamp: minutesAgo(60), meterStop: 10, reason: "cable stuck" });
          assertEquals([low.status, low.body.details.field], [400, "meterStop"]);
          const closed = await close({ timestamp: minutesAgo(60), meterStop: 5000, reason: "cable stuck" });
          assertEquals(closed.status, 200, JSON.stringify(closed.body));
          assertEquals([closed.body.status, closed.body.stopReason, closed.body.energyWh], [
            "finished",
            "ClosedByOperator",
            4000,
          ]);
          assertEquals(
            (await close({ timestamp: minutesAgo(30), meterStop: 6000, reason: "again" })).status,
            409,
          );
          const flags = await server.json(`/api/v1/transaction-flags?transactionId=${id}`, { as: "viewer" });
          assertEquals(flags.body.items.map((f: Json) => [f.kind, f.details.by, f.details.reason]), [
            ["closed_by_operator", "token:admin tests", "cable stuck"],
          ]);
          // The connector no longer holds it; the station's own late stop is the truth and replaces the
          // operator's estimate (kept in the flag); its replay changes nothing more.
          const cp = await server.json("/api/v1/charge-points/CP-STUCK", { as: "viewer" });
          assertEquals(cp.body.connectors.find((c: Json) => c.connectorId === 1)?.transactionId, undefined);
          const lateStop = {
            transactionId: id,
            meterStop: 9999,
            timestamp: minutesAgo(1),
            reason: "EVDisconnected",
          };
          await station.call("StopTransaction", lateStop);
          await station.call("StopTransaction", lateStop);
          const after = await server.json(`/api/v1/transactions/${id}`, { as: "viewer" });
          assertEquals([after.body.meterStop, after.body.stopReason, after.body.energyWh], [
            9999,
            "EVDisconnected",
            8999,
          ]);
          const kept = await server.json(`/api/v1/transaction-flags?transactionId=${id}`, { as: "viewer" });
          assertEquals(kept.body.items.map((f: Json) => [f.kind, f.details.meterStop]), [[
            "closed_by_operator",
            5000,
          ]]);

          // Open across a reboot: the station boots again and reports the connector Available.
          const open = await station.call("StartTransaction", {
            connectorId: 2,
            idTag: "TAG-1",
            meterStart: 0,
            timestamp: minutesAgo(10),
          });
          await new Promise((r) => setTimeout(r, 5));
          await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
          await station.call("StatusNotification", {
            connectorId: 2,
            status: "Available",
            errorCode: "NoError",
          });
          const flagged = await eventually(
            async () => {
              const { body } = await server.json("/api/v1/transaction-flags?kind=open_after_reboot", {
                as: "viewer",
              });
              return body.items[0] ?? null;
            },
            5000,
            "the open_after_reboot flag",
          );
          assertEquals([flagged.transactionId, flagged.connectorId], [open.transactionId, 2]);
          // Still open: a flag asks an operator to look, it decides nothing.
          const tx = await server.json(`/api/v1/transactions/${open.transactionId}`, { as: "viewer" });
          assertEquals(tx.body.status, "active");
        } finally {
          await closeStation(station);
        }
      }, { FLEET_POLL_MS: "50" }),
  });

  Deno.test({
    name:
      `${kind}: alerts list stations offline too long and Faulted connectors; retention prunes old data in the background`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const live = await connectStation(server.wsUrl, "CP-LIVE");
        const gone = await connectStation(server.wsUrl, "CP-GONE");
        try {
          await closeStation(gone);
          await live.call("StatusNotification", {
            connectorId: 1,
            status: "Faulted",
            errorCode: "GroundFailure",
            info: "RCD",
          });
          const fresh = await server.json("/api/v1/alerts", { as: "viewer" });
          assertEquals(fresh.body.items.map((a: Json) => [a.kind, a.chargePointId, a.connectorId]), [
            ["faulted", "CP-LIVE", 1],
          ]);
          assertEquals(
            (await server.json("/api/v1/fleet-settings", { method: "PUT", as: "operator", body: {} })).status,
            403,
          );
          // CP-GONE was seen just now: not yet an alert. Make its last contact old, as the store would have it.
          await oldContact(server, "CP-GONE", minutesAgo(5));
          const alerts = await server.json("/api/v1/alerts", { as: "viewer" });
          assertEquals(alerts.body.items.map((a: Json) => [a.kind, a.chargePointId]), [
            ["offline", "CP-GONE"],
            ["faulted", "CP-LIVE"],
          ]);

          // Retention: 40-day-old meter values and statuses go, today's stay.
          const send = (daysAgo: number, value: string) =>
            live.call("MeterValues", {
              connectorId: 2,
              meterValue: [{
                timestamp: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
                sampledValue: [{ value }],
              }],
            });
          for (let i = 0; i < 5; i++) await send(40 + i, `old-${i}`);
          await send(0, "new");
          // And the command log: an entry of 40 days ago goes, today's stays.
          for (const [id, daysAgo] of [["cmd-old", 40], ["cmd-new", 0]] as const) {
            const at = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
            await server.store.appendCommandLog({
              id,
              chargePointId: "CP-LIVE",
              action: "GetLocalListVersion",
              payload: {},
              requestedBy: "system:local-list",
              requestedAt: at,
              outcome: "accepted",
              response: { listVersion: 1 },
              finishedAt: at,
            });
          }
          const kept = await server.json("/api/v1/fleet-settings", {
            method: "PUT",
            body: { retention: { meterValuesDays: 30, statusHistoryDays: 30, commandLogDays: 30 } },
          });
          assertEquals([
            kept.body.retention.meterValuesDays,
            kept.body.retention.webhookDeliveriesDays,
            kept.body.retention.commandLogDays,
          ], [30, 30, 30]);
          const values = await eventually(
            async () => {
              const { body } = await server.json("/api/v1/charge-points/CP-LIVE/meter-values?limit=100", {
                as: "viewer",
              });
              return body.items.length === 1 ? body.items : null;
            },
            8000,
            "old meter values pruned",
          );
          assertEquals(values.map((v: Json) => v.value), ["new"]);
          const commands = await eventually(
            async () => {
              const { body } = await server.json("/api/v1/charge-points/CP-LIVE/commands?limit=100", {
                as: "viewer",
              });
              return body.items.some((e: Json) => e.id === "cmd-old") ? null : body.items;
            },
            8000,
            "old command log entries pruned",
          );
          assertEquals(commands.map((e: Json) => e.id), ["cmd-new"]);
          const history = await server.json("/api/v1/charge-points/CP-LIVE/status-history", { as: "viewer" });
          assert(history.body.items.length >= 1, "recent statuses are kept");
        } finally {
          await closeStation(live);
        }
      }, { FLEET_POLL_MS: "50", RETENTION_INTERVAL_S: "0.2", ATTENTION_OFFLINE_MIN: "1" }),
  });
}

/** Moves a disconnected station's last contact back in time, as an operator's store would show it. */
async function oldContact(server: ApiTestServer, id: string, lastSeen: string) {
  await eventually(() => !server.registry.isConnected(id), 3000, `${id} disconnected`);
  await server.store.touchChargePoint(id, lastSeen);
  await eventually(
    async () => (await server.store.getChargePoint(id))?.lastSeen === lastSeen,
    3000,
    "touched",
  );
}
