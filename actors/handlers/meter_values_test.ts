import { assertEquals, assertRejects } from "@std/assert";
import { OcppError } from "../../protocol/ocppj/errors.ts";
import { charging, context, fakeLookups, NOW, station, transaction } from "./fakes.ts";
import { meterValues } from "./meter_values.ts";

const AT = NOW.toISOString();
const SAMPLE = [{
  timestamp: "2026-05-01T09:59:00Z",
  sampledValue: [{ value: "1500" }, {
    value: "7",
    measurand: "Power.Active.Import" as const,
    unit: "kW" as const,
  }],
}];

Deno.test("meterValues() turns every sampled value into a row with the spec's defaults", async () => {
  const result = await meterValues(station(), { connectorId: 1, meterValue: SAMPLE }, context());
  assertEquals(result.response, {});
  assertEquals(
    result.changes?.meterValues?.map((r) => [r.timestamp, r.measurand, r.unit, r.value, r.transactionId]),
    [
      ["2026-05-01T09:59:00.000Z", "Energy.Active.Import.Register", "Wh", "1500", null],
      ["2026-05-01T09:59:00.000Z", "Power.Active.Import", "kW", "7", null],
    ],
  );
  assertEquals(result.changes?.meterValues?.[0]?.receivedAt, AT);
  assertEquals(result.events, [{
    type: "meterValues",
    chargePointId: "CP-1",
    at: AT,
    connectorId: 1,
    transactionId: null,
    stored: 0,
  }]);
});

Deno.test("meterValues() keeps a transactionId active on the station or stored for it, else drops it with a warning", async () => {
  const onConnector = charging(7);
  const active = await meterValues(
    onConnector,
    { connectorId: 1, transactionId: 7, meterValue: SAMPLE },
    context(),
  );
  assertEquals(active.changes?.meterValues?.[0]?.transactionId, 7);

  const stored = context({
    lookups: fakeLookups({ transactions: [transaction({ transactionId: 8, status: "finished" })] }),
  });
  const late = await meterValues(station(), { connectorId: 1, transactionId: 8, meterValue: SAMPLE }, stored);
  assertEquals(late.changes?.meterValues?.[0]?.transactionId, 8);

  const foreign = context({
    lookups: fakeLookups({ transactions: [transaction({ transactionId: 9, chargePointId: "CP-2" })] }),
  });
  const unknown = await meterValues(
    station(),
    { connectorId: 1, transactionId: 9, meterValue: SAMPLE },
    foreign,
  );
  assertEquals(unknown.changes?.meterValues?.[0]?.transactionId, null);
  assertEquals(unknown.log, [{
    level: "warn",
    msg: "meter values for unknown transaction",
    fields: { transactionId: 9 },
  }]);
});

Deno.test("meterValues() refuses a negative connectorId with PropertyConstraintViolation", async () => {
  const error = await assertRejects(
    () => Promise.resolve(meterValues(station(), { connectorId: -1, meterValue: SAMPLE }, context())),
    OcppError,
  );
  assertEquals((error as OcppError).code, "PropertyConstraintViolation");
});
