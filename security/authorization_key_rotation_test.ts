import { assertEquals, assertMatch } from "@std/assert";
import { keyAccepted, keyDelivery, newAuthorizationKey } from "./authorization_key_rotation.ts";

Deno.test("a new AuthorizationKey is 40 hex characters, never the same twice", () => {
  const key = newAuthorizationKey();
  assertMatch(key, /^[0-9a-f]{40}$/);
  assertEquals(key === newAuthorizationKey(), false);
});

Deno.test("a key a station accepted is found in its answer, in either dialect; nothing else is", () => {
  const change = keyDelivery("ocpp1.6", "k".repeat(20));
  assertEquals(change.action, "ChangeConfiguration");
  assertEquals(keyAccepted(change.action, change.payload, { status: "Accepted" }), "k".repeat(20));
  for (const status of ["Rejected", "RebootRequired", "NotSupported"]) {
    assertEquals(keyAccepted(change.action, change.payload, { status }), null, status);
  }
  assertEquals(
    keyAccepted("ChangeConfiguration", { key: "HeartbeatInterval", value: "60" }, { status: "Accepted" }),
    null,
  );

  const set = keyDelivery("ocpp2.0.1", "p".repeat(20));
  assertEquals(set.action, "SetVariables");
  const result = (attributeStatus: string) => ({
    setVariableResult: [{
      component: { name: "SecurityCtrlr" },
      variable: { name: "BasicAuthPassword" },
      attributeStatus,
    }],
  });
  assertEquals(keyAccepted(set.action, set.payload, result("Accepted")), "p".repeat(20));
  assertEquals(keyAccepted(set.action, set.payload, result("Rejected")), null);
  assertEquals(keyAccepted("Reset", set.payload, result("Accepted")), null);
});
