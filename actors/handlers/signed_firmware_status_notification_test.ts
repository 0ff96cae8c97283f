import { assertEquals } from "@std/assert";
import { context, NOW, station } from "./fakes.ts";
import { signedFirmwareStatusNotification } from "./signed_firmware_status_notification.ts";

Deno.test("signedFirmwareStatusNotification() records the latest on the snapshot and every status as history", async () => {
  const result = await signedFirmwareStatusNotification(
    station(),
    { status: "SignatureVerified", requestId: 5 },
    context(),
  );
  assertEquals(result.response, {});
  assertEquals(result.changes, {
    snapshot: { firmwareStatus: "SignatureVerified" },
    fileStatus: [{
      chargePointId: "CP-1",
      kind: "signedFirmware",
      status: "SignatureVerified",
      requestId: 5,
      receivedAt: NOW.toISOString(),
    }],
  });
  assertEquals(result.events, [{
    type: "firmwareStatus",
    chargePointId: "CP-1",
    at: NOW.toISOString(),
    status: "SignatureVerified",
    requestId: 5,
  }]);
});
