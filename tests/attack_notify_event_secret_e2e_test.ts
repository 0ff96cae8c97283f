/**
 * A sloppy OCPP 2.0.1 station with a monitor on its own password: when the operator changes
 * SecurityCtrlr.BasicAuthPassword, the station tells us with a NotifyEvent whose `actualValue` is the new
 * password. A viewer then reads the station's frame log (and the server log is read too): neither may hold it.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { connectStation201 } from "./helpers/station201.ts";

const PASSWORD = "Basic-Auth-Password-SECRET-0123";

Deno.test("a password a station reports in NotifyEvent's actualValue is not shown to a viewer nor logged", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-EVENT-PW");
  try {
    const now = new Date().toISOString();
    const answer = await station.call("NotifyEvent", {
      generatedAt: now,
      seqNo: 0,
      eventData: [
        {
          eventId: 1,
          timestamp: now,
          trigger: "Delta",
          actualValue: PASSWORD,
          eventNotificationType: "HardWiredMonitor",
          component: { name: "SecurityCtrlr" },
          variable: { name: "BasicAuthPassword" },
        },
        {
          eventId: 2,
          timestamp: now,
          trigger: "Delta",
          actualValue: "Occupied",
          eventNotificationType: "HardWiredMonitor",
          component: { name: "Connector", evse: { id: 1, connectorId: 1 } },
          variable: { name: "AvailabilityState" },
        },
      ],
    });
    assertEquals(answer, {});
    const frames = await server.json("/api/v1/charge-points/CP-EVENT-PW/frames", { as: "viewer" });
    assertEquals(frames.status, 200);
    const text = JSON.stringify(frames.body);
    assert(text.includes("NotifyEvent"), text.slice(0, 400));
    // The other event's value is no secret and stays readable.
    assert(text.includes("Occupied"), text.slice(0, 400));
    assert(!text.includes(PASSWORD), `the frame log shows the password: ${text.slice(0, 800)}`);
    assert(!JSON.stringify(server.logs).includes(PASSWORD), "a log line quotes the password");
  } finally {
    await station.close();
    await server.close();
  }
});
