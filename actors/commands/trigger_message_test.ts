import { assertEquals } from "@std/assert";
import { extendedTriggerMessage } from "./extended_trigger_message.ts";
import { triggerMessage as triggerMessage201 } from "./ocpp201/trigger_message.ts";
import { triggerMessage } from "./trigger_message.ts";

Deno.test("an accepted trigger asks for the action its requested message arrives as; any other answer for none", () => {
  assertEquals(triggerMessage.triggers!({ requestedMessage: "MeterValues" }, { status: "Accepted" }), [
    "MeterValues",
  ]);
  assertEquals(triggerMessage.triggers!({ requestedMessage: "MeterValues" }, { status: "Rejected" }), []);
  assertEquals(
    extendedTriggerMessage.triggers!({ requestedMessage: "SignChargePointCertificate" }, {
      status: "Accepted",
    }),
    ["SignCertificate"],
  );
  assertEquals(
    extendedTriggerMessage.triggers!({ requestedMessage: "Heartbeat" }, { status: "NotImplemented" }),
    [],
  );
  assertEquals(
    triggerMessage201.triggers!({ requestedMessage: "SignV2GCertificate" }, { status: "Accepted" }),
    ["SignCertificate"],
  );
  assertEquals(
    triggerMessage201.triggers!({ requestedMessage: "TransactionEvent" }, { status: "Accepted" }),
    ["TransactionEvent"],
  );
});
