import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { z } from "zod";
import type { Action } from "../ocpp16/mod.ts";
import { HeartbeatResponse } from "../ocpp16/heartbeat.ts";
import { MeterValuesRequest } from "../ocpp16/meter_values.ts";
import { validateRequest, validateResponse } from "../ocpp16/mod.ts";
import { validatePayload, type ValidationResult } from "./validate.ts";

const meterValues = {
  connectorId: 1,
  transactionId: 42,
  meterValue: [{
    timestamp: "2024-05-01T12:00:00Z",
    sampledValue: [{ value: "100" }, { value: "230.1", measurand: "Voltage", unit: "V" }],
  }],
};

function failed<T>(result: ValidationResult<T>) {
  if (result.ok) throw new Error(`Expected a failure, got ${JSON.stringify(result.value)}`);
  return result;
}

function withSampledValue(change: Record<string, unknown>): unknown {
  const [first] = meterValues.meterValue;
  return {
    ...meterValues,
    meterValue: [{ ...first, sampledValue: [{ value: "100" }, { value: "1", ...change }] }],
  };
}

Deno.test("validatePayload() returns the parsed value of a valid payload", () => {
  const result = validatePayload(MeterValuesRequest, meterValues);
  assertEquals(result, { ok: true, value: meterValues });
});

Deno.test("validatePayload() reports a missing required field as OccurenceConstraintViolation", () => {
  const result = failed(validateRequest("BootNotification", { chargePointVendor: "ACME" }));
  assertEquals(result.code, "OccurenceConstraintViolation");
  assertEquals(result.details, { field: "chargePointModel", constraint: "required" });
  assertEquals(result.description, 'Required field "chargePointModel" is missing');
});

Deno.test("validatePayload() reports a missing nested field with its dotted path", () => {
  const payload = { ...meterValues, meterValue: [{ sampledValue: [] }] };
  const result = failed(validateRequest("MeterValues", payload));
  assertEquals(result.code, "OccurenceConstraintViolation");
  assertEquals(result.details.field, "meterValue.0.timestamp");
});

Deno.test("validatePayload() reports too few or too many array items as OccurenceConstraintViolation", () => {
  const schema = z.object({ items: z.array(z.string()).min(1).max(2) }).strict();
  const tooFew = failed(validatePayload(schema, { items: [] }));
  assertEquals([tooFew.code, tooFew.details], ["OccurenceConstraintViolation", {
    field: "items",
    constraint: "minItems",
  }]);
  assertEquals(tooFew.description, 'Field "items" must have at least 1 item(s), got 0');
  const tooMany = failed(validatePayload(schema, { items: ["a", "b", "c"] }));
  assertEquals([tooMany.code, tooMany.details], ["OccurenceConstraintViolation", {
    field: "items",
    constraint: "maxItems",
  }]);
});

Deno.test("validatePayload() reports a string where an integer belongs as TypeConstraintViolation", () => {
  const result = failed(validateRequest("MeterValues", { ...meterValues, connectorId: "1" }));
  assertEquals(result.code, "TypeConstraintViolation");
  assertEquals(result.details, { field: "connectorId", constraint: "type" });
  assertEquals(result.description, 'Field "connectorId" must be a number, got string "1"');
});

Deno.test("validatePayload() reports a fraction where an integer belongs as TypeConstraintViolation", () => {
  const result = failed(validateRequest("MeterValues", { ...meterValues, transactionId: 4.2 }));
  assertEquals(result.code, "TypeConstraintViolation");
  assertEquals(result.details.field, "transactionId");
  assertEquals(result.description, 'Field "transactionId" must be an integer, got number 4.2');
});

Deno.test("validatePayload() refuses an integer beyond OCPP's 32 bits as PropertyConstraintViolation", () => {
  const big = failed(validateRequest("MeterValues", { ...meterValues, transactionId: 2 ** 31 }));
  assertEquals([big.code, big.details], ["PropertyConstraintViolation", {
    field: "transactionId",
    constraint: "maximum",
  }]);
  assertEquals(big.description, 'Field "transactionId" must be at most 2147483647, got 2147483648');
  const small = failed(validateRequest("MeterValues", { ...meterValues, connectorId: -(2 ** 31) - 1 }));
  assertEquals([small.code, small.details.constraint], ["PropertyConstraintViolation", "minimum"]);
  assert(validateRequest("MeterValues", { ...meterValues, transactionId: 2 ** 31 - 1 }).ok);
});

Deno.test("validatePayload() takes meter registers up to 2^53 Wh, not beyond", () => {
  const start = { connectorId: 1, idTag: "A", meterStart: 2 ** 40, timestamp: "2024-05-01T12:00:00Z" };
  assert(validateRequest("StartTransaction", start).ok);
  const huge = failed(validateRequest("StartTransaction", { ...start, meterStart: 2 ** 60 }));
  assertEquals([huge.code, huge.details.field], ["PropertyConstraintViolation", "meterStart"]);
  const stop = { meterStop: 1e19, timestamp: "2024-05-01T12:00:00Z", transactionId: 1 };
  const stopped = failed(validateRequest("StopTransaction", stop));
  assertEquals([stopped.code, stopped.details.field], ["PropertyConstraintViolation", "meterStop"]);
});

Deno.test("validatePayload() reports an object where an array belongs as TypeConstraintViolation", () => {
  const result = failed(validateRequest("MeterValues", { ...meterValues, meterValue: {} }));
  assertEquals(result.code, "TypeConstraintViolation");
  assertEquals(result.details.field, "meterValue");
  assertEquals(result.description, 'Field "meterValue" must be an array, got an object');
});

Deno.test("validatePayload() reports null for an optional field as TypeConstraintViolation", () => {
  const result = failed(validateRequest("StatusNotification", {
    connectorId: 1,
    errorCode: "NoError",
    status: "Available",
    info: null,
  }));
  assertEquals([result.code, result.details.field], ["TypeConstraintViolation", "info"]);
});

Deno.test("validatePayload() reports an enum value that is not allowed as PropertyConstraintViolation", () => {
  const result = failed(validateRequest("MeterValues", withSampledValue({ measurand: "Energy" })));
  assertEquals(result.code, "PropertyConstraintViolation");
  assertEquals(result.details, { field: "meterValue.0.sampledValue.1.measurand", constraint: "enum" });
  assertStringIncludes(result.description, 'Field "meterValue.0.sampledValue.1.measurand" must be one of');
  assertStringIncludes(result.description, 'got "Energy"');
});

Deno.test("validatePayload() reports a string over its maxLength as PropertyConstraintViolation", () => {
  const idTag = "x".repeat(21);
  const result = failed(validateRequest("Authorize", { idTag }));
  assertEquals(result.code, "PropertyConstraintViolation");
  assertEquals(result.details, { field: "idTag", constraint: "maxLength" });
  assertEquals(
    result.description,
    `Field "idTag" must be at most 20 character(s) long, got 21: "${idTag}"`,
  );
});

Deno.test("validatePayload() counts characters, not UTF-16 units, against maxLength", () => {
  assert(validateRequest("Authorize", { idTag: "😀".repeat(20) }).ok);
  const result = failed(validateRequest("Authorize", { idTag: "😀".repeat(21) }));
  assertStringIncludes(result.description, "got 21");
});

Deno.test("validatePayload() reports a date-time without seconds as PropertyConstraintViolation", () => {
  const result = failed(validatePayload(HeartbeatResponse, { currentTime: "2024-05-01T12:00" }));
  assertEquals(result.code, "PropertyConstraintViolation");
  assertEquals(result.details, { field: "currentTime", constraint: "format" });
});

Deno.test("validatePayload() accepts a date-time without time zone, as ocpp-rpc strict mode does", () => {
  const result = validatePayload(HeartbeatResponse, { currentTime: "2024-05-01T12:00:00" });
  assertEquals(result.ok, true);
});

Deno.test("validatePayload() reports a location that is not a URI as PropertyConstraintViolation", () => {
  const result = failed(validateRequest("GetDiagnostics", { location: "example.com/upload" }));
  assertEquals([result.code, result.details], ["PropertyConstraintViolation", {
    field: "location",
    constraint: "format",
  }]);
});

Deno.test("validatePayload() reports a limit that is not a multiple of 0.1 as PropertyConstraintViolation", () => {
  const payload = {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.3 }, { startPeriod: 60, limit: 16.25 }],
      },
    },
  };
  const result = failed(validateRequest("SetChargingProfile", payload));
  assertEquals(result.code, "PropertyConstraintViolation");
  assertEquals(result.details, {
    field: "csChargingProfiles.chargingSchedule.chargingSchedulePeriod.1.limit",
    constraint: "multipleOf",
  });
  assertStringIncludes(result.description, "must be a multiple of 0.1, got 16.25");
});

Deno.test("validatePayload() reports a number below its minimum as PropertyConstraintViolation", () => {
  // No OCPP 1.6 JSON schema has a minimum; the rule is still mapped for schemas that do.
  const result = failed(validatePayload(z.object({ n: z.number().int().min(0) }).strict(), { n: -1 }));
  assertEquals([result.code, result.details], ["PropertyConstraintViolation", {
    field: "n",
    constraint: "minimum",
  }]);
  assertEquals(result.description, 'Field "n" must be at least 0, got -1');
});

Deno.test("validatePayload() reports an unknown top-level field as FormationViolation", () => {
  const result = failed(validateRequest("Heartbeat", { foo: 1 }));
  assertEquals(result.code, "FormationViolation");
  assertEquals(result.details, { field: "foo", constraint: "additionalProperties" });
  assertEquals(result.description, 'Field "foo" is not allowed here');
});

Deno.test("validatePayload() reports an unknown nested field with its dotted path", () => {
  const result = failed(validateRequest("MeterValues", withSampledValue({ Measurand: "Voltage" })));
  assertEquals(result.code, "FormationViolation");
  assertEquals(result.details.field, "meterValue.0.sampledValue.1.Measurand");
});

Deno.test("validatePayload() reports a payload that is not an object as FormationViolation", () => {
  for (const payload of [[], null, "x", 1, true, undefined]) {
    const result = failed(validateRequest("Heartbeat", payload));
    assertEquals(result.code, "FormationViolation", JSON.stringify(payload));
    assertEquals(result.details, { field: "", constraint: "type" });
  }
  assertEquals(
    failed(validateRequest("Heartbeat", [])).description,
    "Payload must be a JSON object, got array",
  );
});

Deno.test("validatePayload() reports the first failing field when several fail", () => {
  const result = failed(validateRequest("StartTransaction", { connectorId: "1", idTag: 7, foo: 1 }));
  assertEquals(result.details.field, "connectorId");
});

Deno.test("validatePayload() shortens a long value in its description", () => {
  const result = failed(validateRequest("Authorize", { idTag: "x".repeat(10_000) }));
  assert(result.description.length < 200, result.description);
  assertStringIncludes(result.description, "got 10000");
});

Deno.test("validatePayload() never quotes a secret's value, only its type or length", () => {
  const asNumber = failed(validateResponse("GetConfiguration", {
    configurationKey: [{ key: "AuthorizationKey", readonly: false, value: 31415926535 }],
  }));
  assertEquals(asNumber.code, "TypeConstraintViolation");
  assertEquals(
    asNumber.description,
    'Field "configurationKey.0.value" must be a string, got integer [redacted]',
  );
  const tooLong = failed(
    validateRequest("ChangeConfiguration", { key: "AuthorizationKey", value: "s3cr3t".repeat(100) }),
  );
  assertEquals(tooLong.details.constraint, "maxLength");
  assertStringIncludes(tooLong.description, "got 600: [redacted]");
  assertEquals(tooLong.description.includes("s3cr3t"), false);
  // A harmless key's value is still quoted.
  const harmless = failed(validateRequest("ChangeConfiguration", { key: "HeartbeatInterval", value: 60 }));
  assertStringIncludes(harmless.description, "got integer 60");
});

Deno.test("validatePayload() never throws, even on an object whose getter throws", () => {
  const hostile = {
    get idTag(): string {
      throw new Error("boom");
    },
  };
  const result = failed(validateRequest("Authorize", hostile));
  assertEquals(result.code, "FormationViolation");
});

Deno.test("validateRequest() and validateResponse() use the action table's schemas", () => {
  assert(validateRequest("Reset", { type: "Hard" }).ok);
  assertEquals(failed(validateResponse("Reset", { type: "Hard" })).code, "OccurenceConstraintViolation");
  assert(validateResponse("Reset", { status: "Rejected" }).ok);
});

Deno.test("validateRequest() answers an unknown action with NotImplemented instead of throwing", () => {
  const result = failed(validateRequest("Teleport" as Action, {}));
  assertEquals(result.code, "NotImplemented");
  assertEquals(result.description, 'Action "Teleport" is not an OCPP 1.6 action');
});

Deno.test("validateRequest() types its value by action", () => {
  const result = validateRequest("BootNotification", { chargePointVendor: "ACME", chargePointModel: "X1" });
  assert(result.ok);
  const vendor: string = result.value.chargePointVendor;
  assertEquals(vendor, "ACME");
});
