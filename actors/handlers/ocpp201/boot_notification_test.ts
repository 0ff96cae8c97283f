import { assertEquals } from "@std/assert";
import { context, station } from "../fakes.ts";
import { bootNotification } from "./boot_notification.ts";

Deno.test("2.0.1 BootNotification keeps the station's identity and reason, under the registration policy", async () => {
  const ctx = context({ settings: { ...context().settings, registrationPolicy: "Pending" } });
  const request = {
    reason: "FirmwareUpdate" as const,
    chargingStation: { vendorName: "Acme", model: "X", modem: { iccid: "89" } },
  };
  const fresh = await bootNotification(station({ registrationStatus: null }), request, ctx);
  assertEquals([fresh.response.status, fresh.response.interval], ["Pending", 60]);
  assertEquals(fresh.changes?.snapshot?.boot, {
    chargePointVendor: "Acme",
    chargePointModel: "X",
    reason: "FirmwareUpdate",
    iccid: "89",
  });
  assertEquals((await bootNotification(station(), request, ctx)).response.status, "Accepted");
});
