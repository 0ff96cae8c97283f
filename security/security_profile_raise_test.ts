import { assertEquals } from "@std/assert";
import type { StationSecurityRecord } from "../store/station_security.ts";
import {
  holdsNothing,
  profileAnswer,
  profileField,
  profileSent,
  raisingTo,
  withPendingProfileForgotten,
  withPendingProfileSettled,
} from "./security_profile_raise.ts";

const HOUR = 3_600_000;
const record = (extra: Partial<StationSecurityRecord> = {}): StationSecurityRecord => ({
  chargePointId: "CP-1",
  securityProfile: 1,
  authorizationKeyHash: "pbkdf2-sha256$1$c2FsdA$a2V5",
  allowedIps: [],
  updatedBy: "user:root",
  createdAt: "2026-05-01T09:00:00.000Z",
  updatedAt: "2026-05-01T09:00:00.000Z",
  ...extra,
});

Deno.test("profileSent() reads ChangeConfiguration SecurityProfile whatever its case; other values are invalid", () => {
  assertEquals(profileSent("ChangeConfiguration", { key: "securityprofile", value: "3" }), 3);
  assertEquals(profileSent("ChangeConfiguration", { key: "SecurityProfile", value: "0" }), 0);
  assertEquals(profileSent("ChangeConfiguration", { key: "SecurityProfile", value: "4" }), "invalid");
  assertEquals(profileSent("ChangeConfiguration", { key: "SecurityProfile", value: "1.0" }), "invalid");
  assertEquals(profileSent("ChangeConfiguration", { key: "AuthorizationKey", value: "2" }), null);
  assertEquals(profileSent("SetVariables", { setVariableData: [] }), null);
});

Deno.test("profileSent() reads a 2.0.1 SetNetworkProfile's connectionData.securityProfile", () => {
  const sent = (securityProfile: unknown) =>
    profileSent("SetNetworkProfile", { configurationSlot: 1, connectionData: { securityProfile } });
  assertEquals([sent(0), sent(2), sent(3)], [0, 2, 3]);
  assertEquals([sent(4), sent(-1), sent(1.5), sent("2")], ["invalid", "invalid", "invalid", "invalid"]);
  assertEquals(profileField("SetNetworkProfile"), "connectionData.securityProfile");
  assertEquals(profileField("ChangeConfiguration"), "value");
});

Deno.test("profileAnswer() takes Accepted and RebootRequired as taken, anything else as refused", () => {
  assertEquals(profileAnswer({ status: "Accepted" }), "accepted");
  assertEquals(profileAnswer({ status: "RebootRequired" }), "afterReboot");
  assertEquals(profileAnswer({ status: "Rejected" }), "refused");
  assertEquals(profileAnswer({ status: "NotSupported" }), "refused");
});

Deno.test("raisingTo() is the pending profile while it is live and above the current one", () => {
  const since = "2026-05-01T10:00:00.000Z";
  const at = Date.parse(since);
  const r = record({ pendingSecurityProfile: { profile: 2, since } });
  assertEquals(raisingTo(r, 1, at, HOUR), 2);
  assertEquals(raisingTo(r, 1, at + HOUR - 1, HOUR), 2);
  assertEquals(raisingTo(r, 1, at + HOUR, HOUR), null, "expired");
  assertEquals(raisingTo(r, 2, at, HOUR), null, "not above");
  assertEquals(raisingTo(record(), 1, at, HOUR), null);
  assertEquals(raisingTo(record({ pendingSecurityProfile: { profile: 3, since: "?" } }), 1, at, HOUR), null);
});

Deno.test("a settled raise is the profile; a forgotten one gives back the raise pending before it", () => {
  const first = { profile: 2 as const, since: "2026-05-01T10:00:00.000Z" };
  const second = { profile: 3 as const, since: "2026-05-01T10:01:00.000Z" };
  const settled = withPendingProfileSettled(record({ pendingSecurityProfile: second }), 3, "t");
  assertEquals([settled?.securityProfile, settled?.pendingSecurityProfile, settled?.updatedBy], [
    3,
    undefined,
    "station",
  ]);
  assertEquals(withPendingProfileSettled(record({ pendingSecurityProfile: second }), 2, "t"), undefined);
  const forgotten = withPendingProfileForgotten(
    record({ pendingSecurityProfile: second }),
    second,
    first,
    "u",
    "t",
  );
  assertEquals(forgotten?.pendingSecurityProfile, first);
  // Replaced meanwhile: left alone.
  assertEquals(
    withPendingProfileForgotten(record({ pendingSecurityProfile: first }), second, undefined, "u", "t"),
    undefined,
  );
  assertEquals(holdsNothing(record({ securityProfile: null, authorizationKeyHash: null })), true);
  assertEquals(holdsNothing(record({ securityProfile: null })), false);
});
