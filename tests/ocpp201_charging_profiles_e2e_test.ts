/**
 * An operator's own OCPP 2.0.1 SetChargingProfile and ClearChargingProfile (the raw command API) keep the
 * stored charging profiles true, as 1.6's do, on both stores, with a strict ocpp-rpc 2.0.1 station: an accepted
 * profile is stored per EVSE (a TxProfile under the ledger's id of the station's transaction), a refused one
 * is not, one 1.6's shape cannot carry exactly is sent but not kept, and a clear removes what it selects.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const schedule = (limit: number, id = 1) => ({
  id,
  chargingRateUnit: "A",
  chargingSchedulePeriod: [{ startPeriod: 0, limit }],
});

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: raw 2.0.1 charging profile commands keep the stored profiles true`, async () => {
    await withApiServer(kind, async (server) => {
      await server.store.putIdTag({
        idTag: "CARD-1",
        status: "Accepted",
        expiryDate: null,
        parentIdTag: null,
      });
      const station = await connectStation201(server.wsUrl, "CP-PROF");
      const received: { action: string; params: Record<string, unknown> }[] = [];
      station.handle("SetChargingProfile", ({ params }) => {
        received.push({ action: "SetChargingProfile", params });
        return { status: params.chargingProfile.stackLevel === 9 ? "Rejected" : "Accepted" };
      });
      station.handle("ClearChargingProfile", ({ params }) => {
        received.push({ action: "ClearChargingProfile", params });
        return { status: "Accepted" };
      });
      const send = (action: string, body: unknown) =>
        server.json(`/api/v1/charge-points/CP-PROF/${action}`, { method: "POST", as: "operator", body });
      const stored = async () =>
        (await server.json("/api/v1/charge-points/CP-PROF/charging-profiles", { as: "viewer" })).body
          .items as {
            chargingProfileId: number;
            connectorId: number;
            chargingProfilePurpose: string;
            transactionId: number | null;
            source: string;
          }[];
      try {
        await station.call("TransactionEvent", {
          eventType: "Started",
          seqNo: 0,
          timestamp: new Date().toISOString(),
          triggerReason: "Authorized",
          transactionInfo: { transactionId: "TX-P1" },
          evse: { id: 1, connectorId: 1 },
          idToken: { idToken: "CARD-1", type: "ISO14443" },
        });
        const ledgerId = (await server.store.findTransactionByStationId("CP-PROF", "TX-P1"))!.transactionId;
        const profile = (id: number, purpose: string, extra: Record<string, unknown> = {}) => ({
          id,
          stackLevel: 1,
          chargingProfilePurpose: purpose,
          chargingProfileKind: "Relative",
          chargingSchedule: [schedule(16)],
          ...extra,
        });
        for (
          const body of [
            { evseId: 0, chargingProfile: profile(1, "ChargingStationMaxProfile") },
            { evseId: 1, chargingProfile: profile(2, "TxProfile", { transactionId: "TX-P1" }) },
            { evseId: 1, chargingProfile: profile(3, "TxDefaultProfile", { stackLevel: 9 }) },
            // Two schedules: 1.6 holds one; sent, not kept.
            {
              evseId: 1,
              chargingProfile: profile(4, "TxDefaultProfile", {
                chargingSchedule: [schedule(10), schedule(8, 2)],
              }),
            },
          ]
        ) {
          assertEquals((await send("SetChargingProfile", body)).status, 200);
        }
        assertEquals(received.length, 4, "every one reached the station");
        const kept = await stored();
        assertEquals(
          kept.map((
            p,
          ) => [p.chargingProfileId, p.connectorId, p.chargingProfilePurpose, p.transactionId, p.source]),
          [
            [1, 0, "ChargePointMaxProfile", null, "command"],
            [2, 1, "TxProfile", ledgerId, "command"],
          ],
        );
        assertEquals((await send("ClearChargingProfile", { chargingProfileId: 1 })).status, 200);
        assertEquals((await stored()).map((p) => p.chargingProfileId), [2]);
        assertEquals(received.at(-1), { action: "ClearChargingProfile", params: { chargingProfileId: 1 } });
        // A clear by criteria, as 2.0.1 names them.
        await send("ClearChargingProfile", {
          chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: "TxProfile" },
        });
        assertEquals(await stored(), []);
      } finally {
        await closeStation(station);
      }
    });
  });
}
