import { assertEquals } from "@std/assert";
import { context, NOW, station } from "./fakes.ts";
import { firmwareStatusNotification } from "./firmware_status_notification.ts";

Deno.test("firmwareStatusNotification() records the status on the snapshot and as history", async () => {
  const result = await firmwareStatusNotification(station(), { status: "Installed" }, context());
  assertEquals(result.response, {});
  assertEquals(result.changes, {
    snapshot: { firmwareStatus: "Installed" },
    fileStatus: [{
      chargePointId: "CP-1",
      kind: "firmware",
      status: "Installed",
      requestId: null,
      receivedAt: NOW.toISOString(),
    }],
  });
  assertEquals(result.events, [{
    type: "firmwareStatus",
    chargePointId: "CP-1",
    at: NOW.toISOString(),
    status: "Installed",
    requestId: null,
  }]);
});
