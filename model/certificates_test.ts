import { assertEquals } from "@std/assert";
import { CERTIFICATE_DELIVERIES, replacesDelivery } from "./certificates.ts";

Deno.test("replacesDelivery() lets a pending certificate take any outcome and an undelivered one only an answer", () => {
  const table = CERTIFICATE_DELIVERIES.map((
    recorded,
  ) => [
    recorded,
    (["accepted", "rejected", "undelivered"] as const).filter((next) => replacesDelivery(recorded, next)),
  ]);
  assertEquals(table, [
    ["pending", ["accepted", "rejected", "undelivered"]],
    ["accepted", []],
    ["rejected", []],
    ["undelivered", ["accepted", "rejected"]],
    ["unknown", []],
  ]);
});
