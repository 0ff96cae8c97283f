/**
 * Load management's own ClearChargingProfile answered after CALL_TIMEOUT_MS: a station taken out of its site
 * loses load management's profiles (`LoadManager.siteChanged`), and the clear times out. The record keeps the
 * profile installed at the timeout (the station may still hold it); what the station answers late decides:
 * Accepted or Unknown, it holds none, so the record drops it (it would otherwise be listed, and counted, until
 * the station reconnects); a CALLERROR cleared nothing, so it stays, and NotSupported marks the station as not
 * doing smart charging, as a timely one does. An ocpp-rpc station, the operator through the HTTP API.
 */
import { assertEquals } from "@std/assert";
import { createRPCError } from "ocpp-rpc";
import type { ApiTestServer } from "./helpers/api.ts";
import { HeldAnswers } from "./helpers/late_station.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

/** Load management's station-wide TxDefaultProfile (ENERGY_PROFILE_ID_BASE's default), the first it clears. */
const DEFAULT_PROFILE_ID = 900_000;
const TIMEOUT_MS = 400;

// deno-lint-ignore no-explicit-any
type Json = any;

async function ourProfile(
  server: ApiTestServer,
  id: string,
): Promise<{ state: string | null; refused: Json }> {
  const res = await server.json(`/api/v1/charge-points/${id}/charging-profiles`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  const ours = res.body.items.find((p: Json) => p.chargingProfileId === DEFAULT_PROFILE_ID);
  return { state: ours?.state ?? null, refused: res.body.refusedReason };
}

/** `late`: the station's answer to the clear after its timeout, a status or a CALLERROR code. */
async function clearAnsweredLate(
  kind: StoreKind,
  late: string,
  expected: { state: string | null; refused: Json },
) {
  await withApiServer(
    kind,
    async (server) => {
      const site = (chargePointIds: string[]) =>
        server.json("/api/v1/sites/depot", {
          method: "PUT",
          body: { name: "Depot", maxCurrentA: 32, stationMaxCurrentA: 32, chargePointIds },
          as: "operator",
        });
      assertEquals((await site(["CP-A"])).status, 201);
      const held = new HeldAnswers();
      const station = await connectStation(server.wsUrl, "CP-A");
      try {
        station.handle("SetChargingProfile", () => ({ status: "Accepted" }));
        station.handle("ClearChargingProfile", async () => {
          const status = await held.hold();
          if (status === "NotSupported" || status === "InternalError") {
            throw createRPCError(status, "cannot clear it");
          }
          return { status };
        });
        await eventually(
          async () => (await ourProfile(server, "CP-A")).state === "installed",
          10_000,
          "load management's TxDefaultProfile installed",
        );

        // The operator takes CP-A out of the site: load management clears its profile, which times out.
        assertEquals((await site([])).status, 200);
        await held.asked();
        await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 3));
        assertEquals(
          (await ourProfile(server, "CP-A")).state,
          "installed",
          "kept at the timeout: it may hold it",
        );

        held.give(late);
        await eventually(
          async () => JSON.stringify(await ourProfile(server, "CP-A")) === JSON.stringify(expected),
          10_000,
          `the record as the station answered late (${late}): ${JSON.stringify(expected)}`,
        );
        // The late answer is on the command's row beside its timeout.
        const rows = (await server.json("/api/v1/charge-points/CP-A/commands", { as: "viewer" })).body.items;
        const clear = rows.find((r: Json) => r.action === "ClearChargingProfile");
        assertEquals([clear?.outcome, clear?.lateAnswer !== undefined], ["timeout", true]);
      } finally {
        await closeStation(station);
      }
    },
    { CALL_TIMEOUT_MS: String(TIMEOUT_MS), ENERGY_REBALANCE_INTERVAL_S: "3600" },
    {},
    `late4_clear_${kind}`,
  );
}

Deno.test("a load management clear Accepted after its timeout takes the profile out of the record (KV)", () =>
  clearAnsweredLate("kv", "Accepted", { state: null, refused: null }));

Deno.test({
  name: "a load management clear Accepted after its timeout takes the profile out of the record (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("late load management clears on PostgreSQL"),
  fn: () => clearAnsweredLate("postgres", "Accepted", { state: null, refused: null }),
});

Deno.test("a load management clear answered Unknown after its timeout takes the profile out of the record", () =>
  clearAnsweredLate("kv", "Unknown", { state: null, refused: null }));

Deno.test("a load management clear answered with a late CALLERROR keeps the profile; NotSupported is learnt", () =>
  clearAnsweredLate("kv", "NotSupported", { state: "installed", refused: "NotSupported" }));
