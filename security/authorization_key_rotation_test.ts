import { assertEquals, assertMatch } from "@std/assert";
import {
  keyAccepted,
  keyDelivery,
  newAuthorizationKey,
  withPendingKeySettled,
} from "./authorization_key_rotation.ts";

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

Deno.test("withPendingKeySettled() makes a taken key the key and forgets a refused one, only while pending", () => {
  const stored = {
    chargePointId: "CP-1",
    securityProfile: 1 as const,
    authorizationKeyHash: "old",
    pendingAuthorizationKeyHash: "new",
    allowedIps: [],
    updatedBy: "user:root",
    createdAt: "t0",
    updatedAt: "t0",
  };
  const { pendingAuthorizationKeyHash: _, ...settled } = stored;
  assertEquals(withPendingKeySettled(stored, "new", true, "station", "t1"), {
    ...settled,
    authorizationKeyHash: "new",
    updatedBy: "station",
    updatedAt: "t1",
  });
  assertEquals(withPendingKeySettled(stored, "new", false, "user:root", "t1"), {
    ...settled,
    updatedAt: "t1",
  });
  assertEquals(
    withPendingKeySettled(stored, "other", false, "user:root", "t1"),
    undefined,
    "not ours to forget",
  );
  assertEquals(
    withPendingKeySettled(stored, "sent-before", true, "user:root", "t1"),
    { ...stored, authorizationKeyHash: "sent-before", updatedAt: "t1" },
    "the station took an earlier key: it is the key, the later one stays pending",
  );
  assertEquals(withPendingKeySettled(settled, "new", true, "user:root", "t1"), undefined, "settled already");
  assertEquals(withPendingKeySettled(null, "new", true, "user:root", "t1"), undefined);
});
