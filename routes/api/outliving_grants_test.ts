import { assertThrows } from "@std/assert";
import type { Principal } from "../../auth/principal.ts";
import {
  refuseOutlivingFirmware,
  refuseOutlivingLocalList,
  refuseOutlivingOpenCharging,
  refuseOutlivingReservation,
} from "./outliving_grants.ts";
import { ApiError } from "./http.ts";

const hour: Principal = {
  kind: "token",
  name: "hour",
  role: "admin",
  credentialId: "t-1",
  expiresAt: "2026-06-01T12:00:00.000Z",
};
const lasting: Principal = { ...hour, expiresAt: null };
const list201 = (idTokenInfo: unknown) => ({
  versionNumber: 3,
  updateType: "Differential",
  localAuthorizationList: [{ idToken: { idToken: "CARD-1", type: "ISO14443" }, idTokenInfo }],
});

Deno.test("refuseOutlivingLocalList() refuses a 2.0.1 entry usable after the token, by cacheExpiryDateTime", () => {
  for (
    const info of [{ status: "Accepted" }, {
      status: "Accepted",
      cacheExpiryDateTime: "2026-06-01T12:00:01Z",
    }]
  ) {
    assertThrows(
      () => refuseOutlivingLocalList(hour, "SendLocalList", list201(info)),
      ApiError,
      "local list",
    );
  }
  refuseOutlivingLocalList(
    hour,
    "SendLocalList",
    list201({ status: "Accepted", cacheExpiryDateTime: "2026-06-01T11:00:00Z" }),
  );
  refuseOutlivingLocalList(hour, "SendLocalList", list201({ status: "Blocked" }));
  refuseOutlivingLocalList(hour, "SendLocalList", list201(undefined));
  refuseOutlivingLocalList(lasting, "SendLocalList", list201({ status: "Accepted" }));
});

Deno.test("refuseOutlivingLocalList() refuses an entry whose expiry is no date, and takes any JSON", () => {
  assertThrows(
    () =>
      refuseOutlivingLocalList(hour, "SendLocalList", {
        localAuthorizationList: [{ idTag: "X", idTagInfo: { status: "Accepted", expiryDate: "soon" } }],
      }),
    ApiError,
  );
  for (const payload of [null, "x", [null], { localAuthorizationList: [null, 1, { idTagInfo: 2 }] }]) {
    refuseOutlivingLocalList(hour, "SendLocalList", payload);
  }
  refuseOutlivingLocalList(hour, "Reset", {
    localAuthorizationList: [{ idTagInfo: { status: "Accepted" } }],
  });
});

Deno.test("refuseOutlivingOpenCharging() refuses what widens who may charge, in either dialect, and only that", () => {
  const set = (component: string, variable: string, attributeValue: string) => ({
    setVariableData: [{ component: { name: component }, variable: { name: variable }, attributeValue }],
  });
  for (
    const [action, payload] of [
      ["ChangeConfiguration", { key: "allowOfflineTxForUnknownId", value: " true" }],
      ["SetVariables", set("AuthCtrlr", "Enabled", "false")],
      ["SetVariables", set("authctrlr", "OfflineTxForUnknownIdEnabled", "TRUE")],
    ] as const
  ) {
    assertThrows(() => refuseOutlivingOpenCharging(hour, action, payload), ApiError, "widens who may charge");
    refuseOutlivingOpenCharging(lasting, action, payload);
  }
  for (
    const [action, payload] of [
      ["ChangeConfiguration", { key: "AllowOfflineTxForUnknownId", value: "false" }],
      ["ChangeConfiguration", { key: "HeartbeatInterval", value: "true" }],
      ["SetVariables", set("AuthCtrlr", "Enabled", "true")],
      ["SetVariables", set("OCPPCommCtrlr", "Enabled", "false")],
      ["SetVariables", { setVariableData: [null, 1, { component: 2 }] }],
    ] as const
  ) {
    refuseOutlivingOpenCharging(hour, action, payload);
  }
});

Deno.test("refuseOutlivingReservation() refuses a 1.6 or 2.0.1 ReserveNow, or an API reservation, past the token", () => {
  const later = "2026-06-01T12:00:01Z";
  const sooner = "2026-06-01T11:00:00Z";
  for (
    const [action, payload] of [
      ["ReserveNow", { expiryDate: later }],
      ["ReserveNow", { expiryDateTime: later }],
      ["ReserveNow", { expiryDateTime: "soon" }],
      ["ReserveNow", {}],
      [null, later],
      [null, undefined],
    ] as const
  ) {
    assertThrows(() => refuseOutlivingReservation(hour, action, payload), ApiError, "reserve a connector");
  }
  refuseOutlivingReservation(hour, "ReserveNow", { expiryDateTime: sooner });
  refuseOutlivingReservation(hour, null, sooner);
  refuseOutlivingReservation(hour, "ReserveNow", null);
  refuseOutlivingReservation(hour, "CancelReservation", { expiryDate: later });
  refuseOutlivingReservation(lasting, "ReserveNow", { expiryDate: later });
});

Deno.test("refuseOutlivingFirmware() lets an expiring token install only the library's images, in every shape", () => {
  const at = "2026-06-01T10:00:00Z";
  const nested = (location: unknown) => ({ requestId: 1, firmware: { location, retrieveDateTime: at } });
  for (
    const [action, payload] of [
      ["UpdateFirmware", { location: "https://example.net/fw.bin", retrieveDate: at }],
      ["UpdateFirmware", nested("ftp://example.net/fw.bin")],
      ["SignedUpdateFirmware", nested("https://example.net/fw.bin")],
      ["SignedUpdateFirmware", nested(7)],
      ["UpdateFirmware", null],
      ["UpdateFirmware", { location: "CSMS:FIRMWARE/x" }],
    ] as const
  ) {
    assertThrows(
      () => refuseOutlivingFirmware(hour, action, payload),
      ApiError,
      "the station keeps the firmware",
    );
  }
  refuseOutlivingFirmware(hour, "UpdateFirmware", { location: "csms:firmware/fw-1", retrieveDate: at });
  refuseOutlivingFirmware(hour, "SignedUpdateFirmware", nested("csms:firmware/fw-1"));
  refuseOutlivingFirmware(hour, "UpdateFirmware", nested("csms:firmware/fw-1"));
  refuseOutlivingFirmware(hour, "GetDiagnostics", { location: "https://example.net/" });
  refuseOutlivingFirmware(lasting, "UpdateFirmware", { location: "https://example.net/fw.bin" });
});
