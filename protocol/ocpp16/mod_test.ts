/**
 * The action table against what the spec says, written out here independently of it: who sends each action,
 * the section that describes it, and the file that declares it. The schemas themselves are checked against
 * the official JSON schemas in `schemas_test.ts`.
 */
import { assert, assertEquals, assertFalse, assertMatch } from "@std/assert";
import {
  ACTIONS,
  ALL_ACTIONS,
  CORE_ACTIONS,
  CP_TO_CS_ACTIONS,
  type CpToCsAction,
  CS_TO_CP_ACTIONS,
  type CsToCpAction,
  isCpToCsAction,
  isCsToCpAction,
  isKnownAction,
  OCPP16,
  type RequestOf,
  type ResponseOf,
} from "./mod.ts";

/** OCPP 1.6 §4 "Operations initiated by Charge Point", in the spec's (alphabetical) order. */
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
] as const;

/** OCPP 1.6 §5 "Operations initiated by Central System", in the spec's (alphabetical) order. */
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
] as const;

/** The Security Whitepaper's messages by sender (their sections are checked in `security_schemas_test.ts`). */
const SECURITY_FROM_CHARGE_POINT = [
  "LogStatusNotification",
  "SecurityEventNotification",
  "SignCertificate",
  "SignedFirmwareStatusNotification",
] as const;
const SECURITY_FROM_CENTRAL_SYSTEM = [
  "CertificateSigned",
  "DeleteCertificate",
  "ExtendedTriggerMessage",
  "GetInstalledCertificateIds",
  "GetLog",
  "InstallCertificate",
  "SignedUpdateFirmware",
] as const;

/** The directions and sections each action should declare, from the two lists above. */
function expectedDirections(action: string): Record<string, string> {
  const expected: Record<string, string> = {};
  const cp = (FROM_CHARGE_POINT as readonly string[]).indexOf(action);
  const cs = (FROM_CENTRAL_SYSTEM as readonly string[]).indexOf(action);
  if (cp >= 0) expected["CpToCs"] = `OCPP 1.6 §4.${cp + 1}`;
  if (cs >= 0) expected["CsToCp"] = `OCPP 1.6 §5.${cs + 1}`;
  return expected;
}

Deno.test("the action table sends the 10 Charge Point actions and the 4 of the Security extension from the Charge Point", () => {
  assertEquals([...CP_TO_CS_ACTIONS].sort(), [...FROM_CHARGE_POINT, ...SECURITY_FROM_CHARGE_POINT].sort());
  for (const action of FROM_CHARGE_POINT) assert(isCpToCsAction(action), action);
  for (const action of SECURITY_FROM_CHARGE_POINT) assert(isCpToCsAction(action), action);
});

Deno.test("the action table sends the 19 Central System actions and the 7 of the Security extension from the Central System", () => {
  assertEquals(
    [...CS_TO_CP_ACTIONS].sort(),
    [...FROM_CENTRAL_SYSTEM, ...SECURITY_FROM_CENTRAL_SYSTEM].sort(),
  );
  for (const action of FROM_CENTRAL_SYSTEM) assert(isCsToCpAction(action), action);
  for (const action of SECURITY_FROM_CENTRAL_SYSTEM) assert(isCsToCpAction(action), action);
});

Deno.test("every core action declares exactly its directions, each with the spec section of OCPP 1.6 §4 or §5", () => {
  const core = Object.keys(CORE_ACTIONS) as (keyof typeof CORE_ACTIONS)[];
  assertEquals(core.length, new Set([...FROM_CHARGE_POINT, ...FROM_CENTRAL_SYSTEM]).size);
  assertEquals(ALL_ACTIONS.length, core.length + 11);
  for (const action of core) {
    assertEquals({ ...CORE_ACTIONS[action].directions }, expectedDirections(action), action);
  }
});

Deno.test("DataTransfer goes both ways and is the only action that does", () => {
  const both = ALL_ACTIONS.filter((a) => isCpToCsAction(a) && isCsToCpAction(a));
  assertEquals(both, ["DataTransfer"]);
});

Deno.test("every action has a one-line summary that does not just repeat its name", () => {
  for (const action of ALL_ACTIONS) {
    const { summary } = ACTIONS[action];
    assertMatch(summary, /^[A-Z][^\n]{8,119}$/, action);
    assertFalse(summary.replaceAll(" ", "").toLowerCase() === action.toLowerCase(), action);
  }
});

Deno.test("every action is declared in its own snake_case file, under its wire name", async () => {
  for (const action of ALL_ACTIONS) {
    const file = `./${action.replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase()}.ts`;
    const module = await import(file);
    assert(module[action] === ACTIONS[action], `${file} does not export the table's ${action}`);
    assert(module[`${action}Request`] === ACTIONS[action].request, `${file}: ${action}Request`);
    assert(module[`${action}Response`] === ACTIONS[action].response, `${file}: ${action}Response`);
  }
});

Deno.test("isKnownAction() matches names exactly and ignores inherited properties", () => {
  assert(isKnownAction("Heartbeat"));
  for (
    const name of ["heartbeat", "HeartBeat", "", "toString", "constructor", "__proto__", "signCertificate"]
  ) {
    assertFalse(isKnownAction(name), name);
    assertFalse(isCpToCsAction(name), name);
    assertFalse(isCsToCpAction(name), name);
  }
});

Deno.test("the OCPP 1.6 dialect is selected by the subprotocol ocpp1.6 and carries the action table", () => {
  assertEquals(OCPP16.subprotocol, "ocpp1.6");
  assertEquals(Object.keys(OCPP16.actions), [...ALL_ACTIONS]);
});

// Type-level tests: `deno test` type-checks this file, so a wrong type fails the run.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<_T extends true>(): void {}

Deno.test("RequestOf, ResponseOf and the direction types follow the action table", () => {
  assertType<Equals<RequestOf<"Reset">, { type: "Hard" | "Soft" }>>();
  assertType<Equals<ResponseOf<"Heartbeat">, { currentTime: string }>>();
  assertType<Equals<RequestOf<"GetConfiguration">, { key?: string[] | undefined }>>();
  assertType<
    Equals<CpToCsAction, (typeof FROM_CHARGE_POINT)[number] | (typeof SECURITY_FROM_CHARGE_POINT)[number]>
  >();
  assertType<
    Equals<CsToCpAction, (typeof FROM_CENTRAL_SYSTEM)[number] | (typeof SECURITY_FROM_CENTRAL_SYSTEM)[number]>
  >();
  // @ts-expect-error connectorId is an integer, not a string.
  const wrong: RequestOf<"StartTransaction"> = { connectorId: "1", idTag: "T", meterStart: 0, timestamp: "" };
  assert(wrong);
});
