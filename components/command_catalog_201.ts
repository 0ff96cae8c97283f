/**
 * The OCPP 2.0.1 commands as form descriptions for the CommandForms island: each payload is one JSON
 * textarea prefilled with a valid example (2.0.1 requests are nested: components, variables, EVSEs), grouped
 * by functional block. The API validates every payload with the action's 2.0.1 schema.
 */
import { ACTIONS, CS_TO_CP_ACTIONS, type CsToCpAction } from "../protocol/ocpp201/mod.ts";
import type { CommandSpec } from "./command_catalog.ts";
import { commandLabel } from "./command_label.ts";

const TOKEN = { idToken: "TAG-1", type: "Central" };
const HEARTBEAT = { component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } };

const EXAMPLES: { readonly [A in CsToCpAction]: Record<string, unknown> } = {
  GetVariables: { getVariableData: [HEARTBEAT] },
  SetVariables: { setVariableData: [{ ...HEARTBEAT, attributeValue: "300" }] },
  // Slot 1 beside the slot in use (OCPPCommCtrlr.NetworkConfigurationPriority says which slots it tries).
  SetNetworkProfile: {
    configurationSlot: 1,
    connectionData: {
      ocppVersion: "OCPP20",
      ocppTransport: "JSON",
      ocppCsmsUrl: "wss://csms.example.com/ocpp",
      messageTimeout: 30,
      securityProfile: 2,
      ocppInterface: "Wired0",
    },
  },
  GetBaseReport: { requestId: 1, reportBase: "FullInventory" },
  GetReport: { requestId: 2, componentCriteria: ["Available"] },
  Reset: { type: "OnIdle" },
  RequestStartTransaction: { idToken: TOKEN, evseId: 1 },
  RequestStopTransaction: { transactionId: "<the station's transactionId>" },
  GetTransactionStatus: { transactionId: "<the station's transactionId>" },
  UnlockConnector: { evseId: 1, connectorId: 1 },
  TriggerMessage: { requestedMessage: "StatusNotification", evse: { id: 1, connectorId: 1 } },
  ChangeAvailability: { operationalStatus: "Inoperative", evse: { id: 1 } },
  ClearCache: {},
  GetLocalListVersion: {},
  SendLocalList: { versionNumber: 1, updateType: "Full", localAuthorizationList: [{ idToken: TOKEN }] },
  ReserveNow: { id: 1, expiryDateTime: "2030-01-01T00:00:00Z", idToken: TOKEN, evseId: 1 },
  CancelReservation: { reservationId: 1 },
  SetChargingProfile: {
    evseId: 0,
    chargingProfile: {
      id: 1,
      stackLevel: 0,
      chargingProfilePurpose: "ChargingStationMaxProfile",
      chargingProfileKind: "Absolute",
      // K01.FR.40: an Absolute schedule has a startSchedule; one in the past is in force from now on.
      chargingSchedule: [{
        id: 1,
        startSchedule: "2026-01-01T00:00:00Z",
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }],
      }],
    },
  },
  ClearChargingProfile: { chargingProfileId: 1 },
  GetChargingProfiles: { requestId: 1, chargingProfile: { chargingProfilePurpose: "TxDefaultProfile" } },
  GetCompositeSchedule: { duration: 3600, evseId: 1, chargingRateUnit: "A" },
  UpdateFirmware: {
    requestId: 1,
    firmware: { location: "https://example.com/firmware.bin", retrieveDateTime: "2030-01-01T00:00:00Z" },
  },
  GetLog: { logType: "DiagnosticsLog", requestId: 1, log: { remoteLocation: "https://example.com/upload" } },
  GetInstalledCertificateIds: {},
  InstallCertificate: { certificateType: "CSMSRootCertificate", certificate: "-----BEGIN CERTIFICATE-----" },
  DeleteCertificate: {
    certificateHashData: { hashAlgorithm: "SHA256", issuerNameHash: "", issuerKeyHash: "", serialNumber: "" },
  },
  CertificateSigned: { certificateChain: "-----BEGIN CERTIFICATE-----" },
  DataTransfer: { vendorId: "com.example", messageId: "Hello", data: { any: "JSON" } },
};

const GROUPS: readonly [string, readonly CsToCpAction[]][] = [
  ["Provisioning", [
    "GetVariables",
    "SetVariables",
    "GetBaseReport",
    "GetReport",
    "SetNetworkProfile",
    "Reset",
  ]],
  ["Transactions", ["RequestStartTransaction", "RequestStopTransaction", "GetTransactionStatus"]],
  ["Availability", ["ChangeAvailability", "UnlockConnector", "TriggerMessage"]],
  ["Authorization", ["ClearCache", "GetLocalListVersion", "SendLocalList"]],
  ["Reservations", ["ReserveNow", "CancelReservation"]],
  ["Smart charging", [
    "SetChargingProfile",
    "ClearChargingProfile",
    "GetChargingProfiles",
    "GetCompositeSchedule",
  ]],
  ["Firmware and logs", ["UpdateFirmware", "GetLog"]],
  ["Certificates", [
    "GetInstalledCertificateIds",
    "InstallCertificate",
    "DeleteCertificate",
    "CertificateSigned",
  ]],
];

/** What a 2.0.1 TriggerMessage may ask for, for the station console's Trigger action. */
export const TRIGGER_MESSAGES_201: readonly string[] =
  ACTIONS.TriggerMessage.request.shape.requestedMessage.options;

/** The 2.0.1 IdTokenEnumType values, for the station console's Remote start. */
export const ID_TOKEN_TYPES_201: readonly string[] =
  ACTIONS.RequestStartTransaction.request.shape.idToken.shape.type.options;

/** What the 2.0.1 form shows first: reading a variable changes nothing. */
export const DEFAULT_COMMAND_201: CsToCpAction = "GetVariables";

/** Every OCPP 2.0.1 command once, grouped, with its example payload. */
export function commandCatalog201(): CommandSpec[] {
  const listed = new Set(GROUPS.flatMap(([, actions]) => actions));
  const groups: [string, readonly CsToCpAction[]][] = [
    ...GROUPS,
    ["Other", CS_TO_CP_ACTIONS.filter((a) => !listed.has(a))],
  ];
  return groups.flatMap(([group, actions]) =>
    actions.map((action): CommandSpec => ({
      action,
      label: commandLabel(action),
      group,
      summary: ACTIONS[action].summary,
      fields: [],
      template: JSON.stringify(EXAMPLES[action], null, 2),
    }))
  );
}
