/**
 * The CS->CP commands (19 of OCPP 1.6, 7 of its Security extension) as form descriptions, built on the
 * server from the protocol's enumerations and handed to the CommandForms island as props (islands import no server values). The API validates every
 * payload with the action's own schema; these forms only shape it.
 */
import { ACTIONS, CS_TO_CP_ACTIONS, type CsToCpAction } from "../protocol/ocpp16/mod.ts";
import {
  AVAILABILITY_TYPES,
  CERTIFICATE_USES,
  CHARGING_PROFILE_PURPOSES,
  CHARGING_RATE_UNITS,
  EXTENDED_MESSAGE_TRIGGERS,
  MESSAGE_TRIGGERS,
  RESET_TYPES,
} from "../protocol/ocpp16/enums.ts";

export type FieldKind = "integer" | "string" | "text" | "enum" | "datetime" | "list" | "json";

export interface CommandField {
  name: string;
  kind: FieldKind;
  required: boolean;
  options?: readonly string[];
  hint?: string;
}

export interface CommandSpec {
  action: CsToCpAction;
  summary: string;
  fields: CommandField[];
  /** When set, the whole payload is one JSON textarea prefilled with this example. */
  template?: string;
}

const int = (name: string, required: boolean, hint?: string): CommandField => ({
  name,
  kind: "integer",
  required,
  ...(hint ? { hint } : {}),
});
const str = (name: string, required: boolean, hint?: string): CommandField => ({
  name,
  kind: "string",
  required,
  ...(hint ? { hint } : {}),
});
const time = (name: string, required: boolean): CommandField => ({
  name,
  kind: "datetime",
  required,
  hint: "UTC",
});
const choice = (name: string, options: readonly string[], required: boolean): CommandField => ({
  name,
  kind: "enum",
  options,
  required,
});

/** How to fill in each command's payload; the summary comes from the action's own file in protocol/ocpp16/. */
interface CommandForm {
  fields: CommandField[];
  template?: string;
  /** What the dashboard adds to the protocol's summary (what we do with the answer). */
  note?: string;
}

const FORMS: { readonly [A in CsToCpAction]: CommandForm } = {
  CancelReservation: { fields: [int("reservationId", true)] },
  ChangeAvailability: {
    fields: [int("connectorId", true, "0 = the whole station"), choice("type", AVAILABILITY_TYPES, true)],
  },
  ChangeConfiguration: {
    fields: [str("key", true), str("value", true)],
  },
  ClearCache: { fields: [] },
  ClearChargingProfile: {
    fields: [
      int("id", false),
      int("connectorId", false),
      choice("chargingProfilePurpose", CHARGING_PROFILE_PURPOSES, false),
      int("stackLevel", false),
    ],
  },
  DataTransfer: {
    fields: [str("vendorId", true), str("messageId", false), { name: "data", kind: "text", required: false }],
  },
  GetCompositeSchedule: {
    fields: [
      int("connectorId", true),
      int("duration", true, "seconds"),
      choice("chargingRateUnit", CHARGING_RATE_UNITS, false),
    ],
  },
  GetConfiguration: {
    note: "the answer is stored",
    fields: [{ name: "key", kind: "list", required: false, hint: "comma-separated keys" }],
  },
  GetDiagnostics: {
    fields: [
      str(
        "location",
        true,
        "an upload URI (e.g. ftp://host/path), or csms:upload for a one-time URL of this server",
      ),
      int("retries", false),
      int("retryInterval", false, "seconds"),
      time("startTime", false),
      time("stopTime", false),
    ],
  },
  GetLocalListVersion: { fields: [] },
  RemoteStartTransaction: {
    fields: [
      int("connectorId", false),
      str("idTag", true),
      { name: "chargingProfile", kind: "json", required: false, hint: "a ChargingProfile object" },
    ],
  },
  RemoteStopTransaction: { fields: [int("transactionId", true)] },
  ReserveNow: {
    fields: [
      int("connectorId", true),
      time("expiryDate", true),
      str("idTag", true),
      str("parentIdTag", false),
      int("reservationId", true),
    ],
  },
  Reset: { fields: [choice("type", RESET_TYPES, true)] },
  SendLocalList: {
    fields: [],
    template: JSON.stringify(
      {
        listVersion: 1,
        updateType: "Full",
        localAuthorizationList: [{ idTag: "TAG-1", idTagInfo: { status: "Accepted" } }],
      },
      null,
      2,
    ),
  },
  SetChargingProfile: {
    fields: [],
    template: JSON.stringify(
      {
        connectorId: 1,
        csChargingProfiles: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: "TxDefaultProfile",
          chargingProfileKind: "Absolute",
          chargingSchedule: {
            chargingRateUnit: "A",
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
          },
        },
      },
      null,
      2,
    ),
  },
  TriggerMessage: {
    fields: [choice("requestedMessage", MESSAGE_TRIGGERS, true), int("connectorId", false)],
  },
  UnlockConnector: { fields: [int("connectorId", true)] },
  UpdateFirmware: {
    fields: [
      str("location", true, "a download URI, or csms:firmware/<id> for an uploaded image"),
      time("retrieveDate", true),
      int("retries", false),
      int("retryInterval", false, "seconds"),
    ],
  },
  // OCPP 1.6 Security extension.
  CertificateSigned: {
    fields: [{ name: "certificateChain", kind: "text", required: true, hint: "PEM, the leaf first" }],
    note: "certificates our CA signs are sent by themselves after SignCertificate",
  },
  DeleteCertificate: {
    fields: [],
    template: JSON.stringify(
      {
        certificateHashData: {
          hashAlgorithm: "SHA256",
          issuerNameHash: "from GetInstalledCertificateIds",
          issuerKeyHash: "from GetInstalledCertificateIds",
          serialNumber: "01",
        },
      },
      null,
      2,
    ),
  },
  ExtendedTriggerMessage: {
    fields: [choice("requestedMessage", EXTENDED_MESSAGE_TRIGGERS, true), int("connectorId", false)],
    note: "SignChargePointCertificate renews the station's certificate",
  },
  GetInstalledCertificateIds: { fields: [choice("certificateType", CERTIFICATE_USES, true)] },
  GetLog: {
    fields: [],
    template: JSON.stringify(
      { logType: "SecurityLog", requestId: 1, log: { remoteLocation: "csms:upload" } },
      null,
      2,
    ),
    note: "csms:upload gives the station a one-time upload URL of this server; the file appears on this page",
  },
  InstallCertificate: {
    fields: [
      choice("certificateType", CERTIFICATE_USES, true),
      { name: "certificate", kind: "text", required: true, hint: "PEM" },
    ],
  },
  SignedUpdateFirmware: {
    fields: [],
    template: JSON.stringify(
      {
        requestId: 1,
        firmware: {
          location: "csms:firmware/<id from GET /api/v1/firmware>",
          retrieveDateTime: "2030-01-01T00:00:00Z",
          signingCertificate: "",
          signature: "",
        },
      },
      null,
      2,
    ),
    note: "csms:firmware/<id> links an uploaded image; empty signature and certificate are taken from it",
  },
};

/** Every CS->CP command, in the protocol's order. */
export function commandCatalog(): CommandSpec[] {
  return CS_TO_CP_ACTIONS.map((action) => {
    const { note, ...form } = FORMS[action];
    const summary = ACTIONS[action].summary;
    return { action, summary: note ? `${summary}; ${note}` : summary, ...form };
  });
}
