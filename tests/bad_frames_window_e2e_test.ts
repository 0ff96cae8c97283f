/**
 * MAX_BAD_FRAMES counts bad frames within about BAD_FRAMES_WINDOW_S, not over the whole connection: a station
 * whose firmware sends a malformed frame now and then stays connected (for weeks), one flooding them is closed.
 */
import { assertEquals } from "@std/assert";
import { startTestServer } from "./helpers/server.ts";
import { openRaw, rawAnswer, type RawSocket } from "./helpers/station.ts";

const BOOT = { chargePointVendor: "Acme", chargePointModel: "Volt-1" };

/** A CALL without its payload: unreadable, so it counts as a bad frame, and answered with a CALLERROR. */
function sendBadFrame(raw: RawSocket, id: string): void {
  raw.send(`[2,"${id}","Heartbeat"]`);
}

Deno.test("bad frames slower than MAX_BAD_FRAMES per BAD_FRAMES_WINDOW_S keep the connection; a burst closes it with 1002", async () => {
  // Three bad frames at once close; the count leaks 3 per 2 s, one every 667 ms.
  const server = await startTestServer({ MAX_BAD_FRAMES: "3", BAD_FRAMES_WINDOW_S: "2" });
  const raw = await openRaw(`${server.wsUrl}/CP-FLAKY`);
  try {
    assertEquals((await rawAnswer(raw, "BootNotification", BOOT)).status, "Accepted");
    // One a second, twice the limit in all: each answered, the station still served.
    for (let i = 0; i < 6; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 1000));
      sendBadFrame(raw, `slow-${i}`);
      assertEquals((await raw.next() as unknown[]).slice(0, 3), [4, `slow-${i}`, "FormationViolation"]);
    }
    assertEquals(typeof (await rawAnswer(raw, "Heartbeat", {})).currentTime, "string");
    // Three back to back: a flood.
    for (let i = 0; i < 3; i++) sendBadFrame(raw, `burst-${i}`);
    assertEquals((await raw.closed).code, 1002);
  } finally {
    await raw.close();
    await server.close();
  }
});
