import { assertEquals } from "@std/assert";
import { isChargePointId } from "./charge_point_id.ts";

Deno.test("isChargePointId() takes 1 to 48 printable ASCII characters without spaces", () => {
  for (const id of ["CP001", "a/b", "...", ".x", "x".repeat(48), "!~"]) {
    assertEquals(isChargePointId(id), true, id);
  }
  for (const id of ["", "CP 001", "Zähler", "x".repeat(49), "CP\u0000"]) {
    assertEquals(isChargePointId(id), false, id);
  }
});

Deno.test("isChargePointId() refuses the URL dot segments no client can put in a path", () => {
  assertEquals(isChargePointId("."), false);
  assertEquals(isChargePointId(".."), false);
});
