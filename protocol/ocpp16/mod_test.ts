import { assert, assertEquals, assertFalse } from "@std/assert";
import {
  ACTIONS,
  ALL_ACTIONS,
  CP_TO_CS_ACTIONS,
  type CpToCsAction,
  CS_TO_CP_ACTIONS,
  type CsToCpAction,
  isCpToCsAction,
  isCsToCpAction,
  isKnownAction,
  type RequestOf,
  type ResponseOf,
} from "./mod.ts";

const FROM_CHARGE_POINT = [
  "Authorize",
  "BootNotification",
  "DataTransfer",
  "DiagnosticsStatusNotification",
  "FirmwareStatusNotification",
  "Heartbeat",
  "MeterValues",
  "StartTransaction",
  "StatusNotification",
  "StopTransaction",
];

const FROM_CENTRAL_SYSTEM = [
  "CancelReservation",
  "ChangeAvailability",
  "ChangeConfiguration",
  "ClearCache",
  "ClearChargingProfile",
  "DataTransfer",
  "GetCompositeSchedule",
  "GetConfiguration",
  "GetDiagnostics",
  "GetLocalListVersion",
  "RemoteStartTransaction",
  "RemoteStopTransaction",
  "ReserveNow",
  "Reset",
  "SendLocalList",
  "SetChargingProfile",
  "TriggerMessage",
  "UnlockConnector",
  "UpdateFirmware",
];

Deno.test("the action table sends the 10 Charge Point actions from the Charge Point", () => {
  assertEquals([...CP_TO_CS_ACTIONS].sort(), FROM_CHARGE_POINT);
  for (const action of FROM_CHARGE_POINT) assert(isCpToCsAction(action), action);
});

Deno.test("the action table sends the 19 Central System actions from the Central System", () => {
  assertEquals([...CS_TO_CP_ACTIONS].sort(), FROM_CENTRAL_SYSTEM);
  for (const action of FROM_CENTRAL_SYSTEM) assert(isCsToCpAction(action), action);
});

Deno.test("DataTransfer goes both ways and is the only action that does", () => {
  const both = ALL_ACTIONS.filter((a) => isCpToCsAction(a) && isCsToCpAction(a));
  assertEquals(both, ["DataTransfer"]);
});

Deno.test("isKnownAction() matches names exactly and ignores inherited properties", () => {
  assert(isKnownAction("Heartbeat"));
  for (
    const name of ["heartbeat", "HeartBeat", "", "toString", "constructor", "__proto__", "SignCertificate"]
  ) {
    assertFalse(isKnownAction(name), name);
    assertFalse(isCpToCsAction(name), name);
    assertFalse(isCsToCpAction(name), name);
  }
});

Deno.test("the action table shares one schema object per action across lookups", () => {
  assert(ACTIONS.Heartbeat.request === ACTIONS["Heartbeat"].request);
  assert(ACTIONS.DataTransfer.request.safeParse({ vendorId: "ACME" }).success);
});

Deno.test("RequestOf and ResponseOf give the payload types of an action", () => {
  const request: RequestOf<"RemoteStartTransaction"> = { idTag: "TAG-1", connectorId: 1 };
  const response: ResponseOf<"BootNotification"> = {
    status: "Accepted",
    currentTime: "2024-05-01T12:00:00Z",
    interval: 300,
  };
  const fromStation: CpToCsAction = "MeterValues";
  const toStation: CsToCpAction = "Reset";
  // @ts-expect-error Reset is not sent by a Charge Point.
  const wrong: CpToCsAction = "Reset";
  assertEquals([request.idTag, response.interval, fromStation, toStation, wrong], [
    "TAG-1",
    300,
    "MeterValues",
    "Reset",
    "Reset",
  ]);
});
