import { assert, assertEquals, assertFalse } from "@std/assert";
import { isCriticalSecurityEvent, SECURITY_EVENT_CRITICALITY } from "./security_event_types.ts";

Deno.test("isCriticalSecurityEvent() follows the whitepaper's list and treats vendor types as not critical", () => {
  assert(isCriticalSecurityEvent("TamperDetectionActivated"));
  assert(isCriticalSecurityEvent("SecurityLogWasCleared"));
  assertFalse(isCriticalSecurityEvent("InvalidFirmwareSignature"));
  assertFalse(isCriticalSecurityEvent("tamperdetectionactivated"));
  assertFalse(isCriticalSecurityEvent("AcmeDoorOpened"));
  assertFalse(isCriticalSecurityEvent("constructor"));
  assertEquals(Object.keys(SECURITY_EVENT_CRITICALITY).length, 18);
  assertEquals(Object.values(SECURITY_EVENT_CRITICALITY).filter(Boolean).length, 7);
});
