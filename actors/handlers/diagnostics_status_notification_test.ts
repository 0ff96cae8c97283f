import { assertEquals } from "@std/assert";
import { diagnosticsStatusNotification } from "./diagnostics_status_notification.ts";
import { context, NOW, station } from "./fakes.ts";

Deno.test("diagnosticsStatusNotification() records the status on the snapshot and as history", async () => {
  const result = await diagnosticsStatusNotification(station(), { status: "Uploading" }, context());
  assertEquals(result.response, {});
  assertEquals(result.changes, {
    snapshot: { diagnosticsStatus: "Uploading" },
    fileStatus: [{
      chargePointId: "CP-1",
      kind: "diagnostics",
      status: "Uploading",
      requestId: null,
      receivedAt: NOW.toISOString(),
    }],
  });
});
