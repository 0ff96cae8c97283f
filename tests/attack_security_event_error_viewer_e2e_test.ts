/**
 * A station's invalid SecurityEventNotification is answered with a CALLERROR whose description quotes the field
 * that was wrong (its first characters). The frame log withheld the CALL's payload from viewers, but not our
 * answer: a viewer read a station's techInfo (a secret, a path, a serial) in the CALLERROR on
 * `GET /api/v1/charge-points/{id}/frames` and on the station page. Now a viewer reads that it was refused, not
 * why; operators and admins read the whole answer.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation, rawCall } from "./helpers/station.ts";

const SECRET = "SECRET-techinfo-4f1c9a";
/** Over techInfo's 255 characters: refused, and the description quotes its start. */
const BAD_EVENT = {
  type: "TamperDetectionActivated",
  timestamp: "2026-01-01T00:00:00Z",
  techInfo: SECRET + "x".repeat(300),
};

Deno.test("a viewer does not read a refused SecurityEventNotification's field in our CALLERROR; an operator does", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ERR-1`);
  try {
    const reply = await rawCall(station, "SecurityEventNotification", BAD_EVENT);
    assertEquals(reply[0], 4, JSON.stringify(reply).slice(0, 300));
    // The station itself is told what was wrong, quoting it.
    assertStringIncludes(JSON.stringify(reply), SECRET);

    const operator = await server.json("/api/v1/charge-points/SEC-ERR-1/frames", { as: "operator" });
    assertEquals(operator.status, 200);
    assertStringIncludes(JSON.stringify(operator.body), SECRET);

    const viewer = await server.json("/api/v1/charge-points/SEC-ERR-1/frames", { as: "viewer" });
    assertEquals(viewer.status, 200);
    const frames = viewer.body.items as { direction: string; frame: string }[];
    assert(!JSON.stringify(frames).includes(SECRET), JSON.stringify(frames));
    // The exchange is still listed: the refusal and its code are no secret.
    const answer = frames.find((f) => f.direction === "out" && f.frame.startsWith("[4,"));
    assert(answer, JSON.stringify(frames));
    assertEquals((JSON.parse(answer.frame) as unknown[])[2], reply[2]);

    const detail = await server.json("/api/v1/charge-points/SEC-ERR-1", { as: "viewer" });
    assertEquals(detail.status, 200);
    assert(!JSON.stringify(detail.body).includes(SECRET), JSON.stringify(detail.body));

    const made = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "vicky", password: "vicky-password-1", role: "viewer" },
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    const cookie = await server.login("vicky", "vicky-password-1");
    const page = await fetch(`${server.url}/stations/SEC-ERR-1`, { headers: { cookie } });
    const html = await page.text();
    assertEquals(page.status, 200, html.slice(0, 300));
    assertStringIncludes(html, "SEC-ERR-1");
    assert(!html.includes(SECRET), "the station page shows the viewer the techInfo");
  } finally {
    await station.close();
    await server.close();
  }
});
