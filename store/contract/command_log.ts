import { assertEquals, assertNotEquals } from "@std/assert";
import { at, type Cases, chargePoint, command } from "./harness.ts";

/** The command log. */
export function commandLogCases({ stationTest }: Cases): void {
  // ---------------------------------------------------------------- command log

  stationTest(
    "listCommandLog() returns one station's commands newest first by requestedAt, up to limit",
    async ({ store }) => {
      const a = command("c1", { requestedAt: at(1), finishedAt: at(1.1) });
      const b = command("c2", {
        requestedAt: at(2),
        finishedAt: at(2.5),
        action: "ChangeConfiguration",
        payload: { key: "HeartbeatInterval", value: "60" },
        outcome: "callerror",
        response: { errorCode: "NotSupported", errorDescription: "", errorDetails: {} },
      });
      const c = command("c3", {
        requestedAt: at(3),
        outcome: "timeout",
        response: null,
        finishedAt: at(3.5),
      });
      const other = command("c4", { chargePointId: "CP-2", requestedAt: at(4), outcome: "refused" });
      // Appended when finished, which need not be in request order.
      for (const e of [b, a, c, other]) await store().appendCommandLog(e);

      assertEquals(await store().listCommandLog("CP-1", 10), [c, b, a]);
      assertEquals(await store().listCommandLog("CP-1", 1), [c]);
      assertEquals(await store().listCommandLog("CP-2", 10), [other]);
      assertEquals(await store().listCommandLog("CP-3", 10), []);
    },
  );

  stationTest("the same store serves different stations without mixing their data", async ({ store }) => {
    await store().putChargePoint(chargePoint("CP-1"));
    await store().putChargePoint(chargePoint("CP-2", { lastSeen: at(7) }));
    await store().touchChargePoint("CP-1", at(9));
    assertEquals((await store().getChargePoint("CP-2"))?.lastSeen, at(7));
    assertNotEquals((await store().getChargePoint("CP-1"))?.lastSeen, at(7));
  });
}
