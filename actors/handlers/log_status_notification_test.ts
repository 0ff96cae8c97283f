import { assertEquals } from "@std/assert";
import { context, NOW, station } from "./fakes.ts";
import { logStatusNotification } from "./log_status_notification.ts";

Deno.test("logStatusNotification() keeps the status as history with its requestId, and changes no snapshot", async () => {
  const result = await logStatusNotification(station(), { status: "Uploaded", requestId: 7 }, context());
  assertEquals(result.response, {});
  assertEquals(result.changes, {
    fileStatus: [{
      chargePointId: "CP-1",
      kind: "log",
      status: "Uploaded",
      requestId: 7,
      receivedAt: NOW.toISOString(),
    }],
  });
  const bare = await logStatusNotification(station(), { status: "Idle" }, context());
  assertEquals(bare.changes?.fileStatus?.[0]?.requestId, null);
});
