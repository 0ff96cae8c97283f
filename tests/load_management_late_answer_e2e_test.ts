/**
 * Load management's own SetChargingProfile answered after CALL_TIMEOUT_MS: a raise is recorded before it goes
 * out (the station may enforce it), so a station that rejects it late would be counted at the raised limit
 * while it keeps the old one, and with the site's division unchanged nothing would ever be sent to it again
 * (QA: a station left at 16 A on a site that counted it at 32). The late Rejected takes the raise out of the
 * record and the site is divided again: the station is sent its limit once more. An ocpp-rpc station, on KV and
 * on PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import { createRPCError } from "ocpp-rpc";
import type { ApiTestServer } from "./helpers/api.ts";
import { HeldAnswers } from "./helpers/late_station.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

/** Load management's TxProfile id on connector 1 (ENERGY_PROFILE_ID_BASE's default + 1). */
const TX_PROFILE_ID = 900_001;
const TIMEOUT_MS = 400;

/** A station that keeps the limit of each profile it accepts; `held` decides its TxProfiles' answers. */
async function managedStation(server: ApiTestServer, id: string, held: HeldAnswers | null) {
  const station = await connectStation(server.wsUrl, id, { boot: false });
  const limits = new Map<number, number>();
  station.handle("SetChargingProfile", async ({ params }) => {
    const p = params.csChargingProfiles;
    const status = held && p.chargingProfileId === TX_PROFILE_ID ? await held.hold() : "Accepted";
    if (status === "CALLERROR") throw createRPCError("InternalError", "cannot apply it now");
    if (status === "Accepted") {
      limits.set(p.chargingProfileId, p.chargingSchedule.chargingSchedulePeriod[0].limit);
    }
    return { status };
  });
  station.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
  const boot = await station.call("BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "Volt-1",
  });
  assertEquals(boot.status, "Accepted");
  const started = await station.call("StartTransaction", {
    connectorId: 1,
    idTag: "FLEET",
    meterStart: 0,
    timestamp: new Date().toISOString(),
  });
  return { station, limits, transactionId: started.transactionId as number };
}

async function storedLimit(server: ApiTestServer, id: string): Promise<number | null> {
  const res = await server.json(`/api/v1/charge-points/${id}/charging-profiles`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  // deno-lint-ignore no-explicit-any
  const ours = (res.body.items ?? res.body).find((p: any) => p.chargingProfileId === TX_PROFILE_ID);
  return ours?.state === "installed" ? ours.profile.chargingSchedule.chargingSchedulePeriod[0].limit : null;
}

/** `late`: the station's answer after the timeout, a status or "CALLERROR" (refused all the same). */
async function raiseRejectedLate(kind: StoreKind, late = "Rejected") {
  await withApiServer(
    kind,
    async (server) => {
      const site = await server.json("/api/v1/sites/depot", {
        method: "PUT",
        body: { name: "Depot", maxCurrentA: 32, stationMaxCurrentA: 32, chargePointIds: ["CP-A", "CP-B"] },
        as: "operator",
      });
      assertEquals(site.status, 201, JSON.stringify(site.body));
      const held = new HeldAnswers();
      held.answerAtOnce("Accepted");
      const stations: Station[] = [];
      try {
        const a = await managedStation(server, "CP-A", held);
        stations.push(a.station);
        const b = await managedStation(server, "CP-B", null);
        stations.push(b.station);
        await eventually(
          () => a.limits.get(TX_PROFILE_ID) === 16 && b.limits.get(TX_PROFILE_ID) === 16,
          10_000,
          "the site divided in two",
        );

        // CP-B's session ends: CP-A is raised to 32, recorded first; it answers after the timeout.
        held.answerAtOnce(null);
        await b.station.call("StopTransaction", {
          transactionId: b.transactionId,
          meterStop: 1000,
          timestamp: new Date().toISOString(),
        });
        await held.asked();
        await eventually(
          async () => await storedLimit(server, "CP-A") === 32,
          10_000,
          "the raise recorded first",
        );
        // Past the timeout (and the retry it causes, which finds the record at 32 and sends nothing).
        await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 4));
        held.answerAtOnce("Accepted");
        held.give(late);
        assertEquals(a.limits.get(TX_PROFILE_ID), 16, "the station kept its limit");
        await eventually(
          () => a.limits.get(TX_PROFILE_ID) === 32,
          10_000,
          "CP-A sent its 32 A again after rejecting it late",
        );
        await eventually(
          async () => await storedLimit(server, "CP-A") === 32,
          10_000,
          "recorded as it holds it",
        );
      } finally {
        for (const station of stations) await closeStation(station);
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS), ENERGY_REBALANCE_INTERVAL_S: "3600" },
    {},
    late === "Rejected" ? `late2_lm_${kind}` : `late3_lm_${kind}`,
  );
}

Deno.test("a raise load management recorded first and the station rejected late is sent again (KV)", () =>
  raiseRejectedLate("kv"));

Deno.test({
  name: "a raise load management recorded first and the station rejected late is sent again (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("late load management answers on PostgreSQL"),
  fn: () => raiseRejectedLate("postgres"),
});

Deno.test("a raise load management recorded first and the station answered with a late CALLERROR is sent again (KV)", () =>
  raiseRejectedLate("kv", "CALLERROR"));

Deno.test({
  name:
    "a raise load management recorded first and the station answered with a late CALLERROR is sent again (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("late load management answers on PostgreSQL"),
  fn: () => raiseRejectedLate("postgres", "CALLERROR"),
});
