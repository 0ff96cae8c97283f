import { assertEquals } from "@std/assert";
import { context, NOW, station } from "./fakes.ts";
import { securityEventNotification } from "./security_event_notification.ts";

Deno.test("securityEventNotification() logs a station's event as a security event, stores nothing else", async () => {
  const result = await securityEventNotification(
    station(),
    { type: "InvalidMessages", timestamp: "2026-05-01T11:00:00+01:00", techInfo: "bad frame" },
    context(),
  );
  assertEquals(result.response, {});
  assertEquals(result.changes, undefined);
  assertEquals(result.securityEvents, [{
    kind: "station_event",
    reason: "InvalidMessages: bad frame (station time 2026-05-01T10:00:00.000Z)",
  }]);
  assertEquals(result.events, []);
});

Deno.test("securityEventNotification() marks the whitepaper's critical types and puts them on the event stream", async () => {
  const result = await securityEventNotification(
    station(),
    { type: "TamperDetectionActivated", timestamp: "2026-05-01T09:59:00Z" },
    context(),
  );
  assertEquals(result.securityEvents?.[0]?.kind, "station_event_critical");
  assertEquals(result.events, [{
    type: "securityEvent",
    chargePointId: "CP-1",
    at: NOW.toISOString(),
    stationEventType: "TamperDetectionActivated",
    critical: true,
    timestamp: "2026-05-01T09:59:00.000Z",
    techInfo: null,
  }]);
});
