import { assertEquals } from "@std/assert";
import { preferredLocation } from "./meter_location.ts";

Deno.test("preferredLocation(): the outlet when reported, else the meter nearest the EV; never a mix", () => {
  assertEquals(preferredLocation(["Inlet", "Outlet", "EV"]), "Outlet");
  assertEquals(preferredLocation(["Inlet", "EV"]), "EV");
  assertEquals(preferredLocation(["Inlet"]), "Inlet");
  assertEquals(preferredLocation(["Somewhere", "Inlet"]), "Inlet");
  // Two unknown ones: one of them, whatever the order they came in.
  assertEquals(preferredLocation(["b", "a"]), preferredLocation(["a", "b"]));
  assertEquals(preferredLocation([]), null);
});
