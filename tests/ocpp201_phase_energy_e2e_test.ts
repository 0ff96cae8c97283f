/**
 * An OCPP 2.0.1 station whose meter reports Energy.Active.Import.Register per phase only (no phase-less
 * total): the ledger's start and stop are the sum of the phases, each phase counted once (L1 or L1-N), the
 * neutral and line-to-line readings left out, a total when one is sent taken as it is, kWh read as kWh. A
 * strict ocpp-rpc 2.0.1 station on both stores, read back through the API. A 1.6 station's running energy
 * (its readings per phase) follows the same rule.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

type Reading = [phase: string | null, value: number, unit?: string];

function event(id: string, eventType: string, seqNo: number, readings: Reading[]) {
  const at = ago(30 - seqNo);
  const context = eventType === "Started"
    ? "Transaction.Begin"
    : eventType === "Ended"
    ? "Transaction.End"
    : "Sample.Periodic";
  return {
    eventType,
    timestamp: at,
    triggerReason: eventType === "Ended"
      ? "StopAuthorized"
      : eventType === "Started"
      ? "Authorized"
      : "MeterValuePeriodic",
    seqNo,
    transactionInfo: { transactionId: id },
    evse: { id: 1, connectorId: 1 },
    ...(readings.length === 0 ? {} : {
      meterValue: [{
        timestamp: at,
        sampledValue: readings.map(([phase, value, unit]) => ({
          value,
          context,
          measurand: "Energy.Active.Import.Register",
          ...(phase === null ? {} : { phase }),
          ...(unit === undefined ? {} : { unitOfMeasure: { unit } }),
        })),
      }],
    }),
  };
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 2.0.1 meter that reports energy per phase only gets the phases' sum in the ledger`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation201(server.wsUrl, "CP-PHASES");
      const read = async (id: string) =>
        (await server.json("/api/v1/transactions?chargePointId=CP-PHASES", { as: "viewer" })).body.items
          .find((t: { stationTransactionId: string }) => t.stationTransactionId === id);
      try {
        // Begin per line, End line-to-neutral in kWh: 1000 + 1100 + 1200, then 2000 + 2100 + 2200.
        await station.call(
          "TransactionEvent",
          event("TX-P1", "Started", 0, [["L1", 1000], ["L2", 1100], ["L3", 1200]]),
        );
        await station.call(
          "TransactionEvent",
          event("TX-P1", "Ended", 1, [["L1-N", 2, "kWh"], ["L2-N", 2.1, "kWh"], ["L3-N", 2.2, "kWh"]]),
        );
        const p1 = await read("TX-P1");
        assertEquals([p1.status, p1.meterStart, p1.meterStop, p1.energyWh, p1.meterStartUnknown], [
          "finished",
          3300,
          6300,
          3000,
          undefined,
        ]);

        // A total beside its phases is the reading (never total + phases); the neutral and a line-to-line
        // reading are no phase of the EV's energy, and a phase sent both as L1 and L1-N counts once.
        await station.call(
          "TransactionEvent",
          event("TX-P2", "Started", 0, [[null, 10000], ["L1", 3000], ["L2", 3000], ["L3", 3990]]),
        );
        await station.call(
          "TransactionEvent",
          event("TX-P2", "Updated", 1, [["L1", 4000], ["L1-N", 4000], ["L2", 4000], ["L3", 4500], ["N", 70], [
            "L1-L2",
            900,
          ]]),
        );
        // An Ended without a reading stops at the highest one heard: the Updated's phases, summed.
        await station.call("TransactionEvent", event("TX-P2", "Ended", 2, []));
        const p2 = await read("TX-P2");
        assertEquals([p2.meterStart, p2.meterStop, p2.energyWh, p2.highestReading], [
          10000,
          12500,
          2500,
          12500,
        ]);
      } finally {
        await closeStation(station);
      }
    });
  });
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 1.6 session's running energy sums its meter's phases by the same rule`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation(server.wsUrl, "CP-PHASES16");
      try {
        const { transactionId } = await station.call("StartTransaction", {
          connectorId: 1,
          idTag: "TAG-PHASES",
          meterStart: 1000,
          timestamp: ago(10),
        });
        const sampled = (phase: string, value: string) => ({
          value,
          phase,
          measurand: "Energy.Active.Import.Register",
          unit: "Wh",
        });
        await station.call("MeterValues", {
          connectorId: 1,
          transactionId,
          meterValue: [{
            timestamp: ago(5),
            sampledValue: [
              sampled("L1", "600"),
              sampled("L1-N", "600"),
              sampled("L2", "700"),
              sampled("L3", "700"),
              sampled("N", "50"),
            ],
          }],
        });
        const energy = await server.json(`/api/v1/transactions/energy?ids=${transactionId}`, {
          as: "viewer",
        });
        assertEquals(energy.body.items, [{ transactionId, status: "active", energyWh: 1000 }]);
      } finally {
        await closeStation(station);
      }
    });
  });
}
