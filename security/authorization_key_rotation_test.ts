import { assertEquals, assertMatch } from "@std/assert";
import {
  AUTHORIZATION_KEY_PATTERN,
  keyAnswer,
  keyDelivery,
  keySent,
  MAX_PENDING_KEYS,
  newAuthorizationKey,
  withPendingKey,
  withPendingKeySettled,
} from "./authorization_key_rotation.ts";

Deno.test("a new AuthorizationKey is 40 hex characters, never the same twice, and one the gate takes", () => {
  const key = newAuthorizationKey();
  assertMatch(key, /^[0-9a-f]{40}$/);
  assertMatch(key, AUTHORIZATION_KEY_PATTERN);
  assertEquals(key === newAuthorizationKey(), false);
});

Deno.test("what a station did with a key it was sent is read from its answer, in either dialect", () => {
  const change = keyDelivery("ocpp1.6", "k".repeat(20));
  assertEquals(change.action, "ChangeConfiguration");
  assertEquals(keySent(change.action, change.payload), "k".repeat(20));
  assertEquals(keyAnswer(change.action, change.payload, { status: "Accepted" }), "accepted");
  assertEquals(keyAnswer(change.action, change.payload, { status: "RebootRequired" }), "afterReboot");
  for (const status of ["Rejected", "NotSupported"]) {
    assertEquals(keyAnswer(change.action, change.payload, { status }), "refused", status);
  }
  assertEquals(
    keyAnswer("ChangeConfiguration", { key: "HeartbeatInterval", value: "60" }, { status: "Accepted" }),
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
  assertEquals(keyAnswer(set.action, set.payload, result("Accepted")), "accepted");
  assertEquals(keyAnswer(set.action, set.payload, result("RebootRequired")), "afterReboot");
  assertEquals(keyAnswer(set.action, set.payload, result("Rejected")), "refused");
  assertEquals(keyAnswer("Reset", set.payload, result("Accepted")), null);
});

Deno.test("keySent() finds a key whatever the case of its names (a 1.6 key is a CiString)", () => {
  assertEquals(keySent("ChangeConfiguration", { key: "authorizationKEY", value: "v" }), "v");
  const named = (component: string, variable: string) => ({
    setVariableData: [{ component: { name: component }, variable: { name: variable }, attributeValue: "v" }],
  });
  assertEquals(keySent("SetVariables", named("securityctrlr", "BASICAUTHPASSWORD")), "v");
  assertEquals(keySent("SetVariables", named("SecurityCtrlr", "Identity")), null);
  assertEquals(keySent("ChangeConfiguration", { key: "AuthorizationKeyX", value: "v" }), null);
});

Deno.test("withPendingKey() adds a key last and keeps at most MAX_PENDING_KEYS, the newest", () => {
  let pending = withPendingKey(undefined, "a", "t1");
  for (const [hash, at] of [["b", "t2"], ["c", "t3"], ["d", "t4"]]) {
    pending = withPendingKey(pending, hash!, at!);
  }
  assertEquals(MAX_PENDING_KEYS, 3);
  assertEquals(pending, [{ hash: "b", since: "t2" }, { hash: "c", since: "t3" }, { hash: "d", since: "t4" }]);
  assertEquals(withPendingKey(pending, "c", "t5").map((p) => p.hash), ["b", "d", "c"], "sent again: last");
});

Deno.test("withPendingKeySettled(): a taken key is the key and ends those sent before it; a refused one goes alone", () => {
  const stored = {
    chargePointId: "CP-1",
    securityProfile: 1 as const,
    authorizationKeyHash: "old",
    pendingAuthorizationKeys: [{ hash: "a", since: "t1" }, { hash: "b", since: "t2" }, {
      hash: "c",
      since: "t3",
    }],
    allowedIps: [],
    updatedBy: "user:root",
    createdAt: "t0",
    updatedAt: "t0",
  };
  const { pendingAuthorizationKeys: _, ...none } = stored;
  assertEquals(withPendingKeySettled(stored, "b", true, "station", "t4"), {
    ...none,
    authorizationKeyHash: "b",
    pendingAuthorizationKeys: [{ hash: "c", since: "t3" }],
    updatedBy: "station",
    updatedAt: "t4",
  });
  assertEquals(withPendingKeySettled(stored, "c", true, "station", "t4"), {
    ...none,
    authorizationKeyHash: "c",
    updatedBy: "station",
    updatedAt: "t4",
  });
  assertEquals(withPendingKeySettled(stored, "b", false, "user:root", "t4"), {
    ...stored,
    pendingAuthorizationKeys: [{ hash: "a", since: "t1" }, { hash: "c", since: "t3" }],
    updatedAt: "t4",
  });
  assertEquals(withPendingKeySettled(stored, "x", true, "user:root", "t4"), undefined, "not pending");
  assertEquals(withPendingKeySettled(none, "b", true, "user:root", "t4"), undefined, "settled already");
  assertEquals(withPendingKeySettled(null, "b", true, "user:root", "t4"), undefined);
});
