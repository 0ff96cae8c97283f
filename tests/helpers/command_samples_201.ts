/**
 * A valid request for each of the 28 OCPP 2.0.1 CS->CP commands and a valid answer a station could give
 * (every one checked against the official 2.0.1 schemas in `ocpp201_commands_e2e_test.ts`). `expected` is the
 * HTTP answer when the API adds to the station's (RequestStartTransaction carries its remoteStartId).
 */
import { SAMPLE_CERTIFICATE } from "./sample_certificate.ts";
const COMPONENT = { name: "OCPPCommCtrlr" };
const VARIABLE = { name: "HeartbeatInterval" };
const CERTIFICATE = SAMPLE_CERTIFICATE;
const HASH = { hashAlgorithm: "SHA256", issuerNameHash: "aa", issuerKeyHash: "bb", serialNumber: "01" };
const PROFILE = {
  id: 3,
  stackLevel: 1,
  chargingProfilePurpose: "TxDefaultProfile",
  chargingProfileKind: "Relative",
  chargingSchedule: [{
    id: 1,
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
  }],
};

export const COMMAND_SAMPLES_201: Record<
  string,
  {
    request: Record<string, unknown>;
    answer: Record<string, unknown>;
    expected?: Record<string, unknown>;
    /** Sent with `?force=true`: its guard would refuse it at the sample station (which runs no session). */
    forced?: true;
  }
> = {
  CancelReservation: { request: { reservationId: 4 }, answer: { status: "Accepted" } },
  CertificateSigned: { request: { certificateChain: CERTIFICATE }, answer: { status: "Accepted" } },
  ChangeAvailability: {
    request: { operationalStatus: "Inoperative", evse: { id: 1 } },
    answer: { status: "Scheduled" },
  },
  ClearCache: { request: {}, answer: { status: "Accepted" } },
  ClearChargingProfile: { request: { chargingProfileId: 3 }, answer: { status: "Accepted" } },
  DataTransfer: {
    request: { vendorId: "Acme", data: { any: ["json"] } },
    answer: { status: "Accepted", data: 7 },
  },
  DeleteCertificate: { request: { certificateHashData: HASH }, answer: { status: "Accepted" } },
  GetBaseReport: { request: { requestId: 1, reportBase: "FullInventory" }, answer: { status: "Accepted" } },
  GetChargingProfiles: {
    request: { requestId: 2, chargingProfile: { chargingProfilePurpose: "TxDefaultProfile" } },
    answer: { status: "NoProfiles" },
  },
  GetCompositeSchedule: { request: { duration: 3600, evseId: 1 }, answer: { status: "Rejected" } },
  GetInstalledCertificateIds: { request: {}, answer: { status: "NotFound" } },
  GetLocalListVersion: { request: {}, answer: { versionNumber: 5 } },
  GetLog: {
    request: { logType: "DiagnosticsLog", requestId: 3, log: { remoteLocation: "https://example.com/up" } },
    answer: { status: "Accepted", filename: "diag.zip" },
  },
  GetReport: {
    request: { requestId: 4, componentCriteria: ["Active"] },
    answer: { status: "EmptyResultSet" },
  },
  GetTransactionStatus: {
    request: { transactionId: "tx-1" },
    answer: { ongoingIndicator: true, messagesInQueue: false },
  },
  GetVariables: {
    request: { getVariableData: [{ component: COMPONENT, variable: VARIABLE }] },
    answer: {
      getVariableResult: [{
        attributeStatus: "Accepted",
        attributeValue: "300",
        component: COMPONENT,
        variable: VARIABLE,
      }],
    },
  },
  InstallCertificate: {
    request: { certificateType: "CSMSRootCertificate", certificate: CERTIFICATE },
    answer: { status: "Accepted" },
  },
  RequestStartTransaction: {
    request: { idToken: { idToken: "TAG-1", type: "Central" }, remoteStartId: 812, evseId: 1 },
    answer: { status: "Accepted" },
    expected: { status: "Accepted", remoteStartId: 812 },
  },
  RequestStopTransaction: {
    request: { transactionId: "tx-1" },
    answer: { status: "Rejected" },
    forced: true,
  },
  ReserveNow: {
    request: {
      id: 9,
      expiryDateTime: "2030-01-01T00:00:00Z",
      idToken: { idToken: "TAG-1", type: "Central" },
    },
    answer: { status: "Accepted" },
  },
  Reset: { request: { type: "OnIdle" }, answer: { status: "Scheduled" } },
  SendLocalList: {
    request: {
      versionNumber: 6,
      updateType: "Full",
      localAuthorizationList: [{ idToken: { idToken: "T", type: "ISO14443" } }],
    },
    answer: { status: "Accepted" },
  },
  SetChargingProfile: { request: { evseId: 0, chargingProfile: PROFILE }, answer: { status: "Accepted" } },
  // The sample station's own profile (0): nothing to follow (a raise is tested in
  // security_profile_raise_201_e2e_test.ts).
  SetNetworkProfile: {
    request: {
      configurationSlot: 2,
      connectionData: {
        ocppVersion: "OCPP20",
        ocppTransport: "JSON",
        ocppCsmsUrl: "ws://127.0.0.1/ocpp",
        messageTimeout: 30,
        securityProfile: 0,
        ocppInterface: "Wired0",
      },
    },
    answer: { status: "Accepted" },
  },
  SetVariables: {
    request: { setVariableData: [{ attributeValue: "60", component: COMPONENT, variable: VARIABLE }] },
    answer: {
      setVariableResult: [{ attributeStatus: "Accepted", component: COMPONENT, variable: VARIABLE }],
    },
  },
  TriggerMessage: {
    request: { requestedMessage: "StatusNotification", evse: { id: 1, connectorId: 1 } },
    answer: { status: "Accepted" },
  },
  UnlockConnector: { request: { evseId: 1, connectorId: 1 }, answer: { status: "Unlocked" } },
  UpdateFirmware: {
    request: {
      requestId: 5,
      firmware: { location: "https://example.com/fw.bin", retrieveDateTime: "2030-01-01T00:00:00Z" },
    },
    answer: { status: "Accepted" },
  },
};
