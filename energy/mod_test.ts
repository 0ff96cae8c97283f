import { assertEquals } from "@std/assert";
import type { BusEvent } from "../actors/events.ts";
import { createMemoryLogger } from "../logger.ts";
import type { TransactionRecord } from "../model/transaction.ts";
import { createEnergy, type EnergyDeps } from "./mod.ts";

Deno.test("load management follows connections, accepted boots, transactions and limits, and nothing else", async () => {
  const energy = createEnergy({
    logger: createMemoryLogger(),
    settings: { debounceMs: 10 },
    scheduler: { after: () => 0, cancel: () => {} },
  } as unknown as EnergyDeps);
  const calls: string[] = [];
  const seen = (what: string) => (...args: unknown[]) => {
    calls.push(`${what} ${args.map((a) => typeof a === "object" ? "tx" : String(a)).join(" ")}`);
    return Promise.resolve();
  };
  Object.assign(energy.loadManager, {
    stationConnected: seen("connected"),
    stationChanged: seen("changed"),
    transactionEnded: seen("ended"),
  });
  const at = "2026-12-03T10:00:00.000Z";
  const tx = (status: string) => ({ transactionId: 1, status } as unknown as TransactionRecord);
  const events: BusEvent[] = [
    { type: "connected", chargePointId: "A", at, remoteAddress: "127.0.0.1" },
    { type: "boot", chargePointId: "A", at, registrationStatus: "Accepted" },
    { type: "boot", chargePointId: "B", at, registrationStatus: "Pending" },
    // A boot we asked for (TriggerMessage) is no reboot: the station still holds its profiles.
    { type: "boot", chargePointId: "A", at, registrationStatus: "Accepted", triggered: true },
    { type: "transaction", chargePointId: "A", at, transaction: tx("active") },
    { type: "transaction", chargePointId: "A", at, transaction: tx("completed") },
    { type: "meterValues", chargePointId: "A", at, connectorId: 1, transactionId: 1, stored: 4 },
    {
      type: "status",
      chargePointId: "A",
      at,
      connector: { connectorId: 1, status: "Charging", errorCode: "NoError", timestamp: at },
    },
    {
      type: "chargingLimit",
      chargePointId: "A",
      at,
      evseId: 1,
      chargingLimitSource: "EMS",
      cleared: false,
      isGridCritical: null,
    },
    { type: "disconnected", chargePointId: "A", at, code: 1000, reason: "" },
  ];
  for (const event of events) energy.onStationEvent(event);
  assertEquals(calls, [
    "connected A false",
    "connected A true",
    "connected A false",
    "changed A",
    "ended A tx",
    "changed A",
    "changed A",
  ]);
  await energy.close();
});
