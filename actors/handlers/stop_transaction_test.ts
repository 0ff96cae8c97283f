import { assertEquals } from "@std/assert";
import { charging, context, fakeLookups, NOW, station, transaction } from "./fakes.ts";
import { stopTransaction } from "./stop_transaction.ts";

const AT = NOW.toISOString();
const STOP = {
  transactionId: 7,
  meterStop: 4500,
  timestamp: "2026-05-01T09:59:50Z",
  reason: "Local" as const,
};

Deno.test("stopTransaction() finishes the transaction, guarded by its status, and frees the connector", async () => {
  const active = transaction();
  const result = await stopTransaction(
    charging(7),
    STOP,
    context({ lookups: fakeLookups({ transactions: [active] }) }),
  );
  assertEquals(result.response, {});
  assertEquals(result.changes?.transactionUpdates, [{
    transaction: {
      ...active,
      status: "finished",
      meterStop: 4500,
      stopTimestamp: "2026-05-01T09:59:50.000Z",
      stopReason: "Local",
      stopIdTag: null,
      energyWh: 3500,
      stoppedAt: AT,
    },
    expectedStatus: "active",
    stopIdTagStatus: null,
  }]);
  assertEquals(result.changes?.snapshot?.connectors?.[0]?.transactionId, undefined);
  assertEquals(result.events?.map((e) => e.type), ["transaction"]);
});

Deno.test("stopTransaction() of an unknown id keeps an orphan stop and still answers", async () => {
  const result = await stopTransaction(station(), { ...STOP, transactionId: -1, idTag: "TAG-9" }, context());
  assertEquals(result.response, { idTagInfo: { status: "Invalid" } });
  assertEquals(result.changes?.orphanStops?.map((o) => [o.transactionId, o.meterStop, o.idTag]), [[
    -1,
    4500,
    "TAG-9",
  ]]);
  assertEquals(result.changes?.snapshot, undefined);
  assertEquals(result.log?.[0]?.msg, "orphan stop transaction");
});

Deno.test("stopTransaction() of a finished transaction changes nothing but its meter values, stored once by the store", async () => {
  const finished = transaction({
    status: "finished",
    meterStop: 4500,
    stopTimestamp: "2026-05-01T09:59:50.000Z",
    stoppedAt: AT,
    energyWh: 3500,
  });
  const transactionData = [{ timestamp: "2026-05-01T09:59:00Z", sampledValue: [{ value: "4400" }] }];
  const result = await stopTransaction(
    station(),
    { ...STOP, transactionData },
    context({ lookups: fakeLookups({ transactions: [finished] }) }),
  );
  assertEquals(result.changes?.transactionUpdates, undefined);
  assertEquals(result.changes?.meterValues?.map((r) => [r.transactionId, r.value]), [[7, "4400"]]);
  assertEquals(result.events, []);
  assertEquals(result.log?.[0]?.msg, "stop transaction replayed");
});

Deno.test("stopTransaction() of a superseded transaction finishes it with its status as the guard", async () => {
  const superseded = transaction({ status: "superseded", supersededBy: 8 });
  const result = await stopTransaction(
    station(),
    STOP,
    context({ lookups: fakeLookups({ transactions: [superseded] }) }),
  );
  assertEquals(result.changes?.transactionUpdates?.[0]?.expectedStatus, "superseded");
  assertEquals(result.changes?.transactionUpdates?.[0]?.transaction.supersededBy, 8);
});
