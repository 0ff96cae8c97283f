/**
 * Accepting a station lets it in for good: its boots keep Accepted after the token that set it has expired,
 * and a station pre-registered as Accepted is let in at its first boot whatever REGISTRATION_POLICY then
 * says. Recommissioning does the same for a station the server refused at every connection. An API token
 * that expires could do each; now each answers 403 with a JSON body and changes nothing. Holding a station
 * Pending, rejecting or decommissioning it shuts it out: still the token's to do. A token that never expires
 * keeps every right.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring admin token cannot accept, pre-register as Accepted or recommission a station", async () => {
  const server = await startApiServer({ REGISTRATION_POLICY: "Pending" });
  const station = await openRaw(`${server.wsUrl}/REG-HOLD-1`);
  try {
    const { call: asHour } = await expiringToken(server, "admin");
    const boot = () =>
      rawAnswer(station, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
    const registration = async (id: string) => {
      const res = await server.json(`/api/v1/charge-points/${id}`);
      return res.status === 404 ? "unknown" : res.body.registrationStatus;
    };

    assertEquals((await boot()).status, "Pending");
    const accepted = await asHour("PUT", "/charge-points/REG-HOLD-1", { registrationStatus: "Accepted" });
    assertEquals(accepted.status, 403, JSON.stringify(accepted.body));
    assertEquals(accepted.body.error, "forbidden");
    assertEquals(await registration("REG-HOLD-1"), "Pending");
    assertEquals((await boot()).status, "Pending");

    const preAccepted = await asHour("PUT", "/charge-points/REG-NEW-1", { registrationStatus: "Accepted" });
    assertEquals(preAccepted.status, 403, JSON.stringify(preAccepted.body));
    assertEquals(await registration("REG-NEW-1"), "unknown");
    // Pre-registering a station held out or shut out lets it in nowhere.
    const preHeld = await asHour("PUT", "/charge-points/REG-NEW-1", { registrationStatus: "Pending" });
    assertEquals(preHeld.status, 201, JSON.stringify(preHeld.body));
    const preRejected = await asHour("PUT", "/charge-points/REG-NEW-2", { registrationStatus: "Rejected" });
    assertEquals(preRejected.status, 201, JSON.stringify(preRejected.body));
    // Nor does raising a Rejected station to Pending: until Accepted it may send BootNotification only.
    const unrejected = await asHour("PUT", "/charge-points/REG-NEW-2", { registrationStatus: "Pending" });
    assertEquals(unrejected.status, 200, JSON.stringify(unrejected.body));

    // A token that never expires accepts it; the expiring one may then say so again, or shut it out.
    const byAdmin = await server.json("/api/v1/charge-points/REG-HOLD-1", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(byAdmin.status, 200, JSON.stringify(byAdmin.body));
    assertEquals((await boot()).status, "Accepted");
    const again = await asHour("PUT", "/charge-points/REG-HOLD-1", { registrationStatus: "Accepted" });
    assertEquals(again.status, 200, JSON.stringify(again.body));
    const rejected = await asHour("PUT", "/charge-points/REG-HOLD-1", { registrationStatus: "Rejected" });
    assertEquals(rejected.status, 200, JSON.stringify(rejected.body));
    assertEquals((await boot()).status, "Rejected");
    const reaccepted = await asHour("PUT", "/charge-points/REG-HOLD-1", { registrationStatus: "Accepted" });
    assertEquals(reaccepted.status, 403, JSON.stringify(reaccepted.body));
    assertEquals(await registration("REG-HOLD-1"), "Rejected");

    // Decommissioning shuts it out (its connection is closed); recommissioning would let it back.
    const out = await asHour("DELETE", "/charge-points/REG-HOLD-1");
    assertEquals(out.status, 200, JSON.stringify(out.body));
    assertEquals((await station.closed).code, 4003);
    const back = await asHour("POST", "/charge-points/REG-HOLD-1/recommission");
    assertEquals(back.status, 403, JSON.stringify(back.body));
    assertEquals(back.body.error, "forbidden");
    const still = await server.json("/api/v1/charge-points/REG-HOLD-1");
    assertEquals(typeof still.body.decommissionedAt, "string");
    const backByAdmin = await server.json("/api/v1/charge-points/REG-HOLD-1/recommission", {
      method: "POST",
    });
    assertEquals(backByAdmin.status, 200, JSON.stringify(backByAdmin.body));
    assertEquals(backByAdmin.body.decommissionedAt, null);
    // Recommissioning a station in service changes nothing: the token may.
    const noop = await asHour("POST", "/charge-points/REG-HOLD-1/recommission");
    assertEquals(noop.status, 200, JSON.stringify(noop.body));
  } finally {
    await station.close();
    await server.close();
  }
});
