import { assertEquals, assertThrows } from "@std/assert";
import { OcppError } from "../../protocol/ocppj/errors.ts";
import { context, NOW, station } from "./fakes.ts";
import { statusNotification } from "./status_notification.ts";

const AT = NOW.toISOString();

Deno.test("statusNotification() patches the connectors and appends the history entry in the same changes", async () => {
  const result = await statusNotification(station(), {
    connectorId: 1,
    status: "Charging",
    errorCode: "NoError",
    info: "plugged",
  }, context());
  const connector = {
    connectorId: 1,
    status: "Charging" as const,
    errorCode: "NoError" as const,
    info: "plugged",
    timestamp: AT,
  };
  assertEquals(result.response, {});
  // Sent without a timestamp: ours stands in, marked so the station's later times are not compared with it.
  const current = { ...connector, untimed: true as const };
  assertEquals(result.changes, {
    snapshot: { connectors: [current], statusReceivedAt: AT },
    statusHistory: [{ chargePointId: "CP-1", ...connector, receivedAt: AT }],
  });
  assertEquals(result.events, [{ type: "status", chargePointId: "CP-1", at: AT, connector: current }]);
  assertEquals(result.log, []);
});

Deno.test("statusNotification() records an unexpected transition and logs it as an anomaly", async () => {
  const before = station({
    connectors: [{
      connectorId: 1,
      status: "Reserved",
      errorCode: "NoError",
      timestamp: AT,
      transactionId: 3,
    }],
  });
  const result = await statusNotification(before, {
    connectorId: 1,
    status: "Charging",
    errorCode: "NoError",
    timestamp: "2026-05-01T10:00:00Z",
  }, context());
  assertEquals(result.changes?.snapshot?.connectors?.[0], {
    connectorId: 1,
    status: "Charging",
    errorCode: "NoError",
    timestamp: "2026-05-01T10:00:00.000Z",
    transactionId: 3,
  });
  assertEquals(result.log?.[0]?.level, "warn");
  assertEquals(result.log?.[0]?.msg, "status anomaly");
});

Deno.test("statusNotification() refuses a negative connectorId with PropertyConstraintViolation", () => {
  const error = assertThrows(
    () =>
      statusNotification(
        station(),
        { connectorId: -2, status: "Available", errorCode: "NoError" },
        context(),
      ),
    OcppError,
  );
  assertEquals((error as OcppError).code, "PropertyConstraintViolation");
});

Deno.test("statusNotification() keeps a report older than the current status in the history, noting only that one came", async () => {
  const before = station({
    connectors: [{ connectorId: 1, status: "Available", errorCode: "NoError", timestamp: AT }],
  });
  const result = await statusNotification(before, {
    connectorId: 1,
    status: "Faulted",
    errorCode: "GroundFailure",
    timestamp: "2026-05-01T09:00:00Z",
  }, context());
  // The station reports all the same (after a reboot with its clock reset, say): the dashboard stops waiting.
  assertEquals(result.changes?.snapshot, { statusReceivedAt: AT });
  assertEquals(result.changes?.statusHistory?.map((h) => [h.status, h.timestamp]), [[
    "Faulted",
    "2026-05-01T09:00:00.000Z",
  ]]);
  assertEquals(result.events ?? [], []);
});

Deno.test("statusNotification() names a report without a timestamp by its CALL's message id since the boot, one with a timestamp not", async () => {
  const untimed = await statusNotification(station(), {
    connectorId: 1,
    status: "Faulted",
    errorCode: "GroundFailure",
  }, { ...context(), messageId: "sn-7" });
  assertEquals(untimed.changes?.statusHistory?.map((h) => h.callId), ["sn-7"]);
  // After a boot, the same id is another CALL: the station numbers them afresh.
  const booted = await statusNotification(station({ bootedAt: "2026-05-01T08:00:00.000Z" }), {
    connectorId: 1,
    status: "Faulted",
    errorCode: "GroundFailure",
  }, { ...context(), messageId: "sn-7" });
  assertEquals(booted.changes?.statusHistory?.map((h) => h.callId), ["2026-05-01T08:00:00.000Z sn-7"]);
  const timed = await statusNotification(station(), {
    connectorId: 1,
    status: "Faulted",
    errorCode: "GroundFailure",
    timestamp: AT,
  }, { ...context(), messageId: "sn-8" });
  assertEquals(timed.changes?.statusHistory?.map((h) => h.callId), [undefined]);
});
