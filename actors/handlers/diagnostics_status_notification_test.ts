import { assertEquals } from "@std/assert";
import { diagnosticsStatusNotification } from "./diagnostics_status_notification.ts";
import { context, station } from "./fakes.ts";

Deno.test("diagnosticsStatusNotification() records the status as a one-field patch", async () => {
  const result = await diagnosticsStatusNotification(station(), { status: "Uploading" }, context());
  assertEquals(result.response, {});
  assertEquals(result.changes, { snapshot: { diagnosticsStatus: "Uploading" } });
});
