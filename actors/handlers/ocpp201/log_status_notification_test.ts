import { assertEquals } from "@std/assert";
import { context, NOW, station } from "../fakes.ts";
import { logStatusNotification201 } from "./log_status_notification.ts";

Deno.test("2.0.1 logStatusNotification sets the diagnostics status and keeps the status as history", async () => {
  const result = await logStatusNotification201(station(), { status: "Uploading", requestId: 4 }, context());
  assertEquals(result.response, {});
  assertEquals(result.changes, {
    snapshot: { diagnosticsStatus: "Uploading" },
    fileStatus: [{
      chargePointId: "CP-1",
      kind: "log",
      status: "Uploading",
      requestId: 4,
      receivedAt: NOW.toISOString(),
    }],
  });
});
