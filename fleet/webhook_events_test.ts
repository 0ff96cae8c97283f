import { assertEquals } from "@std/assert";
import { webhookEventOfStation } from "./webhook_events.ts";

Deno.test("an operator's decommission and recommission become station.decommissioned / station.recommissioned", () => {
  const at = "2026-12-04T10:00:00.000Z";
  const event = (inService: boolean) =>
    webhookEventOfStation({ type: "service", chargePointId: "CP-1", at, inService, by: "user:alice" });
  assertEquals(event(false), {
    id: `station.decommissioned:CP-1:${at}`,
    type: "station.decommissioned",
    at,
    data: { chargePointId: "CP-1", by: "user:alice" },
  });
  assertEquals(event(true)?.type, "station.recommissioned");
  assertEquals(event(true)?.id, `station.recommissioned:CP-1:${at}`);
});
