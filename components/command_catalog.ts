/**
 * The CS->CP commands (19 of OCPP 1.6, 7 of its Security extension) as form descriptions, built on the
 * server from the protocol's enumerations and handed to the CommandForms island as props (islands import no server values). The API validates every
 * payload with the action's own schema; these forms only shape it.
 */
import { ACTIONS, CS_TO_CP_ACTIONS, type CsToCpAction } from "../protocol/ocpp16/mod.ts";
import { commandLabel } from "./command_label.ts";
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
  /** The field as people read it ("Connector"); the wire name stays `name`. */
  label: string;
  kind: FieldKind;
  required: boolean;
  options?: readonly string[];
  hint?: string;
}

export interface CommandSpec {
  /** The wire name, of the station's dialect. */
  action: string;
  /** "Remote start transaction". */
  label: string;
  /** Where the command is listed in the form's menu. */
  group: string;
  summary: string;
  fields: CommandField[];
  /** When set, the whole payload is one JSON textarea prefilled with this example. */
  template?: string;
}

const int = (name: string, required: boolean, hint?: string): CommandField => ({
  name,
  label: fieldLabel(name),
  kind: "integer",
  required,
  ...(hint ? { hint } : {}),
});
const str = (name: string, required: boolean, hint?: string): CommandField => ({
  name,
  label: fieldLabel(name),
  kind: "string",
  required,
  ...(hint ? { hint } : {}),
});
const time = (name: string, required: boolean): CommandField => ({
  name,
  label: fieldLabel(name),
  kind: "datetime",
  required,
  hint: "UTC",
});
const choice = (name: string, options: readonly string[], required: boolean): CommandField => ({
  name,
  label: fieldLabel(name),
  kind: "enum",
  options,
  required,
});

/** Wire names people would not guess, and the words for them. */
const FIELD_LABELS: Record<string, string> = {
  connectorId: "Connector",
  idTag: "Id tag",
  parentIdTag: "Parent id tag",
  reservationId: "Reservation id",
  transactionId: "Transaction",
  type: "Type",
  key: "Key",
  value: "Value",
  id: "Profile id",
  chargingProfilePurpose: "Profile purpose",
  stackLevel: "Stack level",
  vendorId: "Vendor id",
  messageId: "Message id",
  duration: "Duration",
  chargingRateUnit: "Rate unit",
  location: "Location (URL)",
  retries: "Retries",
  retryInterval: "Retry interval",
  startTime: "From",
  stopTime: "Until",
  expiryDate: "Expires",
  requestedMessage: "Message to trigger",
  retrieveDate: "Download from",
};

function fieldLabel(name: string): string {
  return FIELD_LABELS[name] ?? name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());
}

/** Commands by what an operator wants to do, in menu order. */
const GROUPS: readonly (readonly [string, readonly CsToCpAction[]])[] = [
  ["Configuration and diagnosis", [
    "GetConfiguration",
    "ChangeConfiguration",
    "TriggerMessage",
    "ClearCache",
    "DataTransfer",
  ]],
  ["Sessions", [
    "RemoteStartTransaction",
    "RemoteStopTransaction",
    "UnlockConnector",
    "ReserveNow",
    "CancelReservation",
  ]],
  ["Availability", ["ChangeAvailability", "Reset"]],
  ["Local authorization list", ["GetLocalListVersion", "SendLocalList"]],
  ["Smart charging", ["SetChargingProfile", "ClearChargingProfile", "GetCompositeSchedule"]],
  ["Firmware and diagnostics files", ["UpdateFirmware", "GetDiagnostics"]],
  // OCPP 1.6 Security extension.
  ["Security: certificates", [
    "ExtendedTriggerMessage",
    "GetInstalledCertificateIds",
    "InstallCertificate",
    "DeleteCertificate",
    "CertificateSigned",
  ]],
  ["Security: logs and signed firmware", ["GetLog", "SignedUpdateFirmware"]],
];

/** What the form shows first: reading the configuration changes nothing and its answer is kept. */
export const DEFAULT_COMMAND: CsToCpAction = "GetConfiguration";

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
    fields: [str("vendorId", true), str("messageId", false), {
      name: "data",
      label: "Data",
      kind: "text",
      required: false,
    }],
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
    fields: [{
      name: "key",
      label: "Keys",
      kind: "list",
      required: false,
      hint: "comma-separated; empty: all",
    }],
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
      {
        name: "chargingProfile",
        label: "Charging profile",
        kind: "json",
        required: false,
        hint: "a ChargingProfile object (JSON)",
      },
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
          // Relative: from the start of each session. An Absolute one needs a startSchedule (§7.8), which a
          // fixed example would have to invent; the server refuses one without.
          chargingProfileKind: "Relative",
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
    fields: [{
      name: "certificateChain",
      label: "Certificate chain",
      kind: "text",
      required: true,
      hint: "PEM, the leaf first",
    }],
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
      { name: "certificate", label: "Certificate", kind: "text", required: true, hint: "PEM" },
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

/** Every CS->CP command, grouped by what it is for (every one of the protocol's, once). */
export function commandCatalog(): CommandSpec[] {
  const ordered = GROUPS.flatMap(([group, actions]) => actions.map((action) => [group, action] as const));
  const listed = new Set(ordered.map(([, action]) => action));
  const others = CS_TO_CP_ACTIONS.filter((a) => !listed.has(a)).map((a) => ["Other", a] as const);
  return [...ordered, ...others].map(([group, action]) => {
    const { note, ...form } = FORMS[action];
    const summary = ACTIONS[action].summary;
    return {
      action,
      label: commandLabel(action),
      group,
      summary: note ? `${summary}; ${note}` : summary,
      ...form,
    };
  });
}
