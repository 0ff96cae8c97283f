import { assertEquals } from "@std/assert";
import { bootNotification } from "./boot_notification.ts";
import { context, NOW, SETTINGS, station } from "./fakes.ts";

const BOOT = { chargePointVendor: "Acme", chargePointModel: "Volt-1", firmwareVersion: "1.0" };
const AT = NOW.toISOString();

Deno.test("bootNotification() accepts a new station by policy and patches boot info and registration", async () => {
  const result = await bootNotification(station({ registrationStatus: null }), BOOT, context());
  assertEquals(result.response, { status: "Accepted", currentTime: AT, interval: 300 });
  assertEquals(result.changes, { snapshot: { boot: BOOT, bootedAt: AT, registrationStatus: "Accepted" } });
  assertEquals(result.events, [{
    type: "boot",
    chargePointId: "CP-1",
    at: AT,
    registrationStatus: "Accepted",
  }]);
  assertEquals(result.log?.map((l) => l.msg), ["boot notification"]);
});

Deno.test("bootNotification() we asked for (a trigger) stores the boot info but keeps bootedAt: no reboot", async () => {
  const state = station({ registrationStatus: "Accepted", bootedAt: "2026-01-01T00:00:00.000Z" });
  const result = await bootNotification(state, BOOT, context({ triggered: true }));
  assertEquals(result.response.status, "Accepted");
  assertEquals(result.changes, { snapshot: { boot: BOOT } });
  assertEquals(result.events, [{
    type: "boot",
    chargePointId: "CP-1",
    at: AT,
    registrationStatus: "Accepted",
    triggered: true,
  }]);
});

Deno.test("bootNotification() keeps an accepted station accepted and leaves its registration unwritten", async () => {
  const pending = context({ settings: { ...SETTINGS, registrationPolicy: "Pending" } });
  const result = await bootNotification(station({ registrationStatus: "Accepted" }), BOOT, pending);
  assertEquals(result.response.status, "Accepted");
  assertEquals(result.changes?.snapshot?.registrationStatus, undefined);
});

Deno.test("bootNotification() tells a pending station to retry after bootRetryIntervalS", async () => {
  const pending = context({ settings: { ...SETTINGS, registrationPolicy: "Pending" } });
  const result = await bootNotification(station({ registrationStatus: null }), BOOT, pending);
  assertEquals(result.response, { status: "Pending", currentTime: AT, interval: 60 });
  assertEquals(result.changes?.snapshot?.registrationStatus, "Pending");
});

Deno.test("bootNotification() keeps a station an operator rejected Rejected, whatever the policy", async () => {
  for (const registrationPolicy of ["Accepted", "Pending"] as const) {
    const ctx = context({ settings: { ...SETTINGS, registrationPolicy } });
    const result = await bootNotification(station({ registrationStatus: "Rejected" }), BOOT, ctx);
    assertEquals(result.response, { status: "Rejected", currentTime: AT, interval: 60 }, registrationPolicy);
    assertEquals(result.changes?.snapshot?.registrationStatus, undefined);
  }
});

Deno.test("bootNotification() keeps an operator's Pending; a Pending the policy gave is the policy's again", async () => {
  const accepting = context({ settings: { ...SETTINGS, registrationPolicy: "Accepted" } });
  const held = await bootNotification(
    station({ registrationStatus: "Pending", registrationHeld: true }),
    BOOT,
    accepting,
  );
  assertEquals([held.response.status, held.changes?.snapshot?.registrationStatus], ["Pending", undefined]);
  const byPolicy = await bootNotification(station({ registrationStatus: "Pending" }), BOOT, accepting);
  assertEquals([byPolicy.response.status, byPolicy.changes?.snapshot?.registrationStatus], [
    "Accepted",
    "Accepted",
  ]);
});
