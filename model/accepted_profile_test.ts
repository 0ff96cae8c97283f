import { assertEquals } from "@std/assert";
import { acceptedProfileId } from "./accepted_profile.ts";

Deno.test("acceptedProfileId() names the profile of an accepted SetChargingProfile of either dialect", () => {
  const v16 = { connectorId: 1, csChargingProfiles: { chargingProfileId: 7 } };
  const v201 = { evseId: 1, chargingProfile: { id: 9 } };
  assertEquals(acceptedProfileId("SetChargingProfile", v16, { status: "Accepted" }), 7);
  assertEquals(acceptedProfileId("SetChargingProfile", v201, { status: "Accepted" }), 9);
  assertEquals(acceptedProfileId("SetChargingProfile", v16, { status: "Rejected" }), null);
  assertEquals(acceptedProfileId("ClearChargingProfile", v16, { status: "Accepted" }), null);
  assertEquals(acceptedProfileId("SetChargingProfile", null, { status: "Accepted" }), null);
});
