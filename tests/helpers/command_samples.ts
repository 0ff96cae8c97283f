/**
 * A valid request for each of the 26 CS->CP commands (19 of OCPP 1.6, 7 of its Security extension) and a valid
 * answer a station could give.
 */
import { SAMPLE_CERTIFICATE } from "./sample_certificate.ts";
export const CHARGING_PROFILE = {
  chargingProfileId: 3,
  stackLevel: 1,
  chargingProfilePurpose: "TxDefaultProfile",
  chargingProfileKind: "Relative",
  chargingSchedule: {
    chargingRateUnit: "A",
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.5 }],
  },
};

/** A certificate-shaped PEM (the station under test does not parse it). */
const CERTIFICATE = SAMPLE_CERTIFICATE;

/** For each command: what the operator sends, and what the station answers. */
export const COMMAND_SAMPLES: Record<
  string,
  {
    request: Record<string, unknown>;
    answer: Record<string, unknown>;
    /** Sent with `?force=true`: its guard would refuse it at the sample station (which runs no session). */
    forced?: true;
  }
> = {
  RemoteStartTransaction: { request: { connectorId: 1, idTag: "TAG-1" }, answer: { status: "Accepted" } },
  RemoteStopTransaction: { request: { transactionId: 42 }, answer: { status: "Rejected" }, forced: true },
  Reset: { request: { type: "Hard" }, answer: { status: "Accepted" } },
  UnlockConnector: { request: { connectorId: 2 }, answer: { status: "Unlocked" } },
  ChangeAvailability: { request: { connectorId: 0, type: "Inoperative" }, answer: { status: "Scheduled" } },
  ChangeConfiguration: { request: { key: "HeartbeatInterval", value: "60" }, answer: { status: "Accepted" } },
  GetConfiguration: {
    request: { key: ["HeartbeatInterval", "Nope"] },
    answer: {
      configurationKey: [{ key: "HeartbeatInterval", readonly: false, value: "60" }],
      unknownKey: ["Nope"],
    },
  },
  ClearCache: { request: {}, answer: { status: "Accepted" } },
  DataTransfer: {
    request: { vendorId: "Acme", messageId: "ping", data: "hello" },
    answer: { status: "Accepted", data: "pong" },
  },
  TriggerMessage: {
    request: { requestedMessage: "StatusNotification", connectorId: 1 },
    answer: { status: "Accepted" },
  },
  ReserveNow: {
    request: { connectorId: 1, expiryDate: "2030-01-01T00:00:00.000Z", idTag: "TAG-1", reservationId: 7 },
    answer: { status: "Occupied" },
  },
  CancelReservation: { request: { reservationId: 7 }, answer: { status: "Accepted" } },
  SetChargingProfile: {
    request: { connectorId: 1, csChargingProfiles: CHARGING_PROFILE },
    answer: { status: "Accepted" },
  },
  ClearChargingProfile: { request: { id: 3 }, answer: { status: "Unknown" } },
  GetCompositeSchedule: {
    request: { connectorId: 1, duration: 3600, chargingRateUnit: "W" },
    answer: {
      status: "Accepted",
      connectorId: 1,
      scheduleStart: "2030-01-01T00:00:00.000Z",
      chargingSchedule: { chargingRateUnit: "W", chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
    },
  },
  GetLocalListVersion: { request: {}, answer: { listVersion: 3 } },
  SendLocalList: {
    request: {
      listVersion: 4,
      updateType: "Full",
      localAuthorizationList: [{ idTag: "TAG-1", idTagInfo: { status: "Accepted" } }],
    },
    answer: { status: "Accepted" },
  },
  GetDiagnostics: {
    request: { location: "ftp://example.com/diagnostics/" },
    answer: { fileName: "diag.zip" },
  },
  UpdateFirmware: {
    request: { location: "https://example.com/fw.bin", retrieveDate: "2030-01-01T00:00:00.000Z", retries: 2 },
    answer: {},
  },
  // OCPP 1.6 Security extension.
  CertificateSigned: { request: { certificateChain: CERTIFICATE }, answer: { status: "Rejected" } },
  DeleteCertificate: {
    request: {
      certificateHashData: {
        hashAlgorithm: "SHA256",
        issuerNameHash: "a1b2",
        issuerKeyHash: "c3d4",
        serialNumber: "0a",
      },
    },
    answer: { status: "NotFound" },
  },
  ExtendedTriggerMessage: {
    request: { requestedMessage: "SignChargePointCertificate" },
    answer: { status: "Accepted" },
  },
  GetInstalledCertificateIds: {
    request: { certificateType: "CentralSystemRootCertificate" },
    answer: {
      status: "Accepted",
      certificateHashData: [{
        hashAlgorithm: "SHA256",
        issuerNameHash: "a1b2",
        issuerKeyHash: "c3d4",
        serialNumber: "0a",
      }],
    },
  },
  GetLog: {
    request: { logType: "SecurityLog", requestId: 3, log: { remoteLocation: "https://example.com/logs/" } },
    answer: { status: "Accepted", filename: "security.log" },
  },
  InstallCertificate: {
    request: { certificateType: "ManufacturerRootCertificate", certificate: CERTIFICATE },
    answer: { status: "Accepted" },
  },
  SignedUpdateFirmware: {
    request: {
      requestId: 4,
      firmware: {
        location: "https://example.com/fw.bin",
        retrieveDateTime: "2030-01-01T00:00:00.000Z",
        signingCertificate: CERTIFICATE,
        signature: "c2lnbmF0dXJl",
      },
    },
    answer: { status: "Accepted" },
  },
};
