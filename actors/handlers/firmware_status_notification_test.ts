import { assertEquals } from "@std/assert";
import { context, station } from "./fakes.ts";
import { firmwareStatusNotification } from "./firmware_status_notification.ts";

Deno.test("firmwareStatusNotification() records the status as a one-field patch", async () => {
  const result = await firmwareStatusNotification(station(), { status: "Installed" }, context());
  assertEquals(result.response, {});
  assertEquals(result.changes, { snapshot: { firmwareStatus: "Installed" } });
});
