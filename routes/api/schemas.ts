/**
 * zod schemas of what the API answers and of the query parameters several routes share. The answers'
 * schemas document the API (OpenAPI) and are not checked at run time; the request schemas are.
 */
import { COMMAND_OUTCOMES, type CommandOutcome } from "../../model/command_log.ts";
import { IMPLAUSIBLE_ENERGY_REASONS } from "../../model/energy_plausibility.ts";
import { z } from "zod";
import {
  AUTHORIZATION_STATUSES,
  CHARGE_POINT_ERROR_CODES,
  CHARGE_POINT_STATUSES,
  REGISTRATION_STATUSES,
} from "../../protocol/ocpp16/enums.ts";
import { dateTime } from "../../protocol/ocppj/json_schema.ts";
import { IdToken } from "../../protocol/ocpp16/common.ts";
import { isAddressableIdTag } from "../../model/id_tag.ts";
import { decodeListCursor } from "../../model/list_cursor.ts";
import { FILE_TRANSFER_KINDS } from "../../model/file_status.ts";
import { toUtcIso } from "../../protocol/ocppj/time.ts";

export const ErrorSchema = z.object({
  error: z.string().describe("A stable code: invalid_request, unauthenticated, forbidden, not_found, ..."),
  message: z.string().describe("A sentence for people"),
  details: z.record(z.string(), z.unknown()).optional().describe(
    "For invalid_request: `in` (path, query, body), `field`, `constraint`",
  ),
});

/** An RFC 3339 date-time with a time zone, normalised to ISO 8601 UTC with milliseconds. */
export const isoDateTime = dateTime.transform((v) => toUtcIso(v));

/**
 * An id tag an operator names (OCPP's IdToken, up to 20 characters): not empty, and not "." or "..", which
 * a URL resolves away: such a tag could never be read, changed or deleted again.
 */
export const OperatorIdTag = IdToken.min(1).refine(isAddressableIdTag, {
  message: '"." and ".." cannot be addressed in a URL',
});

/**
 * An integer in a path or query string, `min` to `max`: decimal digits only. `z.coerce.number()` also took
 * "1e2", "0x10", " 5 " and "" (as 0: `?connectorId=` would have matched connector 0).
 */
export function urlInt(min: number, max: number) {
  return z.string().regex(/^[0-9]{1,16}$/, "Expected decimal digits").transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** A page size: 1 to `max`, default `fallback`. */
export function limit(fallback: number, max: number) {
  return urlInt(1, max).optional().transform((v) => v ?? fallback).describe(`Page size, 1 to ${max}`);
}

/**
 * `before` on a list read newest first by a time records may share (model/list_cursor.ts): the `nextCursor`
 * of the previous page, `<ISO time>_<id>`; anything else is refused (400), never read as the first page.
 */
export function listCursor(isId: (id: string) => boolean) {
  return z.string().max(200).transform((text, ctx) => {
    const cursor = decodeListCursor(text, isId);
    if (cursor === null) {
      ctx.addIssue({ code: "custom", message: "not a nextCursor of this list" });
      return z.NEVER;
    }
    return cursor;
  }).optional().describe("Cursor: the nextCursor of the previous page");
}

/** "true"/"false" in a query string. */
export const queryBoolean = z.enum(["true", "false"]).transform((v) => v === "true");

export const ChargePointIdParam = z.object({ id: z.string().min(1).max(48) });

export const ConnectorStateSchema = z.object({
  connectorId: z.number().int(),
  status: z.enum(CHARGE_POINT_STATUSES),
  errorCode: z.enum(CHARGE_POINT_ERROR_CODES),
  info: z.string().optional(),
  vendorId: z.string().optional(),
  vendorErrorCode: z.string().optional(),
  timestamp: z.string(),
  untimed: z.literal(true).optional().describe(
    "The station sent no timestamp: `timestamp` is when we received it",
  ),
  transactionId: z.number().int().optional(),
  assumed: z.literal(true).optional().describe(
    "No StatusNotification has named this connector: Charging is assumed from the transaction started on it",
  ),
});

export const BootInfoSchema = z.object({
  chargePointVendor: z.string(),
  chargePointModel: z.string(),
  chargePointSerialNumber: z.string().optional(),
  chargeBoxSerialNumber: z.string().optional(),
  firmwareVersion: z.string().optional(),
  iccid: z.string().optional(),
  imsi: z.string().optional(),
  meterType: z.string().optional(),
  meterSerialNumber: z.string().optional(),
});

export const AwaitingStatusSchema = z.object({
  since: z.string().describe("Its boot, or its connection when that is later: when the wait began"),
  overdueAt: z.string().describe("since plus STATUS_GRACE_S: starting up until then"),
  overdue: z.boolean().describe("Past overdueAt: connected and not reporting"),
}).nullable().describe(
  "Connected and Accepted, and no StatusNotification received since its boot: starting up within " +
    "STATUS_GRACE_S (the connectors shown are from before its boot), then connected and not reporting " +
    "(overdue). Null: it reports, or it is offline, Pending or Rejected",
);

export const ChargePointSummarySchema = z.object({
  id: z.string(),
  online: z.boolean(),
  connectedAt: z.string().nullable(),
  remoteAddress: z.string().nullable(),
  node: z.string().nullable().describe("The server process (cluster node) holding its connection"),
  lastSeen: z.string().nullable(),
  registrationStatus: z.enum(REGISTRATION_STATUSES).nullable(),
  registrationHeld: z.literal(true).optional().describe(
    "An operator set Pending: its boots keep it Pending until an operator changes it",
  ),
  boot: BootInfoSchema.nullable(),
  bootedAt: z.string().nullable(),
  statusReceivedAt: z.string().nullable().describe(
    "When we last received a StatusNotification from it (our clock); null: none yet",
  ),
  awaitingStatus: AwaitingStatusSchema,
  connectors: z.array(ConnectorStateSchema),
  firmwareStatus: z.string().nullable(),
  diagnosticsStatus: z.string().nullable(),
  ocppVersion: z.string().nullable().optional().describe(
    "The dialect of its last connection: ocpp1.6 or ocpp2.0.1",
  ),
  protocolErrors: z.object({
    count: z.number().int().describe("Frames of the station we refused or ignored, all told"),
    lastAt: z.string().describe("When the last one arrived"),
    lastAction: z.string().optional().describe("Its action, when the frame named one"),
    lastProblem: z.string().describe(
      "What was wrong with it, in our words (the CALLERROR we answered, or why it was ignored), never its " +
        "payload; for a viewer, not said of a SecurityEventNotification",
    ),
  }).nullable().describe(
    "Frames we refused (invalid JSON, a schema's violation, an unknown action or message type): null if none. " +
      "Its recent frames (GET /v1/charge-points/{id}/frames) show them",
  ),
  decommissionedAt: z.string().nullable().describe(
    "When an operator decommissioned it (DELETE); null: in service",
  ),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const ChargePointDetailSchema = ChargePointSummarySchema.extend({
  scheduledAvailability: z.array(z.object({
    connectorId: z.number().int(),
    type: z.enum(["Operative", "Inoperative"]),
    requestedAt: z.string(),
  })),
  localListVersion: z.number().int().nullable(),
  reservations: z.array(z.object({
    reservationId: z.number().int(),
    connectorId: z.number().int(),
    idTag: z.string(),
    parentIdTag: z.string().optional(),
    expiryDate: z.string(),
    requestedAt: z.string(),
    unconfirmed: z.boolean().describe(
      "A ReserveNow the station did not answer in time: held (the station may hold it), never accepted",
    ),
  })).describe(
    "The reservations the station accepted, or may hold (unconfirmed), that have not expired, used or been " +
      "cancelled",
  ),
  evses: z.array(z.object({
    evseId: z.number().int(),
    connectorId: z.number().int(),
    status: z.string(),
    timestamp: z.string(),
    transactionId: z.string().optional().describe("The station's id of the transaction open on the EVSE"),
    ledgerTransactionId: z.number().int().optional().describe(
      "Our ledger's id of that transaction (its page: /transactions/{id}); absent when the ledger has none",
    ),
    assumed: z.literal(true).optional().describe(
      "No StatusNotification has named this connector: Occupied is assumed from the transaction open on it",
    ),
  })).optional().describe("OCPP 2.0.1: each EVSE's connectors as StatusNotification reported them"),
  chargingReports: z.object({
    requestId: z.number().int().optional().describe("The GetChargingProfiles requestId the reports answer"),
    reportedAt: z.string().optional(),
    complete: z.boolean().optional().describe("False while the station said more reports follow (tbc)"),
    reports: z.array(z.object({
      evseId: z.number().int(),
      chargingLimitSource: z.string(),
      chargingProfile: z.array(z.record(z.string(), z.unknown())),
    })),
    limits: z.array(z.object({
      evseId: z.number().int(),
      chargingLimitSource: z.string(),
      isGridCritical: z.boolean(),
      chargingSchedule: z.array(z.record(z.string(), z.unknown())).optional(),
      at: z.string(),
    })),
  }).nullable().optional().describe(
    "OCPP 2.0.1: the charging profiles of the station's last ReportChargingProfiles (the answer to " +
      "GetChargingProfiles) and the external charging limits in force (NotifyChargingLimit)",
  ),
  pendingCall: z.object({ action: z.string().nullable(), queued: z.number().int() }).nullable(),
  hasConfiguration: z.boolean(),
});

export const StatusHistorySchema = z.object({
  chargePointId: z.string(),
  evseId: z.number().int().optional().describe("OCPP 2.0.1: the EVSE whose connector reported"),
  connectorId: z.number().int(),
  status: z.enum([...CHARGE_POINT_STATUSES, "Occupied"]).describe(
    "OCPP 1.6 ChargePointStatus or 2.0.1 ConnectorStatus",
  ),
  errorCode: z.enum(CHARGE_POINT_ERROR_CODES).optional().describe("OCPP 1.6 only"),
  info: z.string().optional(),
  vendorId: z.string().optional(),
  vendorErrorCode: z.string().optional(),
  timestamp: z.string().describe(
    "The station's time of the report (ours when it sent none), ISO 8601 UTC with milliseconds, as stored",
  ),
  receivedAt: z.string().describe(
    "When we received it, ISO 8601 UTC with milliseconds: what pages are ordered by",
  ),
  callId: z.string().optional().describe(
    "OCPP 1.6 report sent without a timestamp (`timestamp` is then receivedAt): its name, the message id of " +
      "its CALL after the time of the station's last boot and a space (a copy sent again within 10 minutes, " +
      "with no boot between, is stored once)",
  ),
});

export const FileStatusSchema = z.object({
  chargePointId: z.string(),
  kind: z.enum(FILE_TRANSFER_KINDS).describe(
    "diagnostics: DiagnosticsStatusNotification; firmware: FirmwareStatusNotification; log: LogStatusNotification; " +
      "signedFirmware: SignedFirmwareStatusNotification",
  ),
  status: z.string(),
  requestId: z.number().int().nullable().describe("GetLog / SignedUpdateFirmware requestId"),
  receivedAt: z.string(),
});

export const TransactionSchema = z.object({
  transactionId: z.number().int(),
  chargePointId: z.string(),
  connectorId: z.number().int(),
  idTag: z.string(),
  startIdTagStatus: z.enum(AUTHORIZATION_STATUSES),
  meterStart: z.number().int(),
  startTimestamp: z.string(),
  reservationId: z.number().int().nullable(),
  status: z.enum(["active", "superseded", "finished"]),
  supersededBy: z.number().int().nullable(),
  meterStop: z.number().int().nullable(),
  stopTimestamp: z.string().nullable(),
  stopReason: z.string().nullable(),
  stopIdTag: z.string().nullable(),
  energyWh: z.number().nullable().describe(
    "meterStop - meterStart in Wh; null while running, and when the readings are implausible " +
      "(energyImplausible: the energy is not known and left out of every total; the readings stay as sent)",
  ),
  energyImplausible: z.object({
    reason: z.enum(IMPLAUSIBLE_ENERGY_REASONS),
    maxWh: z.number().optional().describe("above_max_power: the most the session could have delivered (Wh)"),
  }).optional().describe(
    "Why its readings cannot be a real meter's: a register below 0, a stop below the start (a meter replaced " +
      "or rolled over), or more energy than 5 MW for its time plus an hour; absent when they can be. A stopped " +
      "one is also flagged implausible_energy",
  ),
  createdAt: z.string(),
  stoppedAt: z.string().nullable(),
  stationTransactionId: z.string().optional().describe("OCPP 2.0.1: the station's own transactionId"),
  stationIdReuse: z.number().int().optional().describe(
    "OCPP 2.0.1: how many transactions of the station had this transactionId before (a station that counts " +
      "from the start again after a reset); absent: none",
  ),
  seqNoRanges: z.array(z.tuple([z.number().int(), z.number().int()])).optional().describe(
    "OCPP 2.0.1: the TransactionEvent seqNos stored, as [first, last] ranges",
  ),
  seqNos: z.array(z.number().int()).optional().describe(
    "OCPP 2.0.1, a KV record written before seqNoRanges (until its next event): every seqNo stored",
  ),
  remoteStartId: z.number().int().optional().describe(
    "OCPP 2.0.1: the RequestStartTransaction that began it",
  ),
  meterStartUnknown: z.literal(true).optional().describe(
    "OCPP 2.0.1: its start came without an energy reading, so meterStart (0) is not one; the first later " +
      "reading stands in, and ended still so its energyWh is null",
  ),
  highestReading: z.number().optional().describe(
    "OCPP 2.0.1: the highest energy register reading (Wh) its events brought; an Ended without a reading " +
      "stops at it",
  ),
});

export const DeviceModelPageSchema = z.object({
  items: z.array(z.object({
    chargePointId: z.string(),
    component: z.object({
      name: z.string(),
      instance: z.string().optional(),
      evse: z.object({ id: z.number().int(), connectorId: z.number().int().optional() }).optional(),
    }),
    variable: z.object({ name: z.string(), instance: z.string().optional() }),
    attributes: z.array(z.record(z.string(), z.unknown())),
    characteristics: z.record(z.string(), z.unknown()).optional(),
    requestId: z.number().int(),
    generatedAt: z.string(),
    receivedAt: z.string(),
    valueChangedAt: z.string().optional().describe(
      "When a command's answer (SetVariables accepted, GetVariables read) last changed a value since the report",
    ),
  })),
  nextCursor: z.string().nullable(),
});

export const MeterValueSchema = z.object({
  chargePointId: z.string(),
  connectorId: z.number().int(),
  transactionId: z.number().int().nullable(),
  timestamp: z.string(),
  value: z.string(),
  context: z.string(),
  format: z.string(),
  measurand: z.string(),
  phase: z.string().nullable(),
  location: z.string(),
  unit: z.string(),
  receivedAt: z.string(),
});

export const OrphanStopSchema = z.object({
  id: z.string(),
  chargePointId: z.string(),
  transactionId: z.number().int(),
  idTag: z.string().nullable(),
  meterStop: z.number().int(),
  timestamp: z.string(),
  reason: z.string().nullable(),
  transactionData: z.array(z.unknown()).nullable(),
  receivedAt: z.string(),
});

export const CommandLogSchema = z.object({
  id: z.string(),
  chargePointId: z.string(),
  action: z.string(),
  payload: z.unknown(),
  requestedBy: z.string().describe("`user:<name>` or `token:<name>`"),
  requestedAt: z.string(),
  outcome: z.enum(COMMAND_OUTCOMES as [CommandOutcome, ...CommandOutcome[]]).describe(
    "`sending`: written before the CALL left, no outcome yet (one row per command, settled in place); " +
      "`unknown`: the node that sent it was lost before the answer came, the station may have acted on it " +
      "(replaced by the station's answer should that node come back with it); the others are final",
  ),
  response: z.unknown(),
  finishedAt: z.string().nullable().describe("Null while `sending`"),
  nodeId: z.string().optional().describe("The cluster node (or process) that sent the CALL"),
  lateAnswer: z.object({
    outcome: z.enum(["accepted", "callerror", "invalid"]).describe(
      "accepted: a CALLRESULT (`response` is its payload); callerror: a CALLERROR (`response`: errorCode, " +
        "errorDescription, errorDetails); invalid: a CALLRESULT its schema refuses (`response.reason`)",
    ),
    response: z.unknown(),
    at: z.string().describe("When it came"),
  }).optional().describe(
    "On a `timeout` row: the station answered after all, when the request had timed out (the outcome stays " +
      "`timeout`: that is what the request met; the station may have acted on it)",
  ),
});

export const IdTagSchema = z.object({
  idTag: z.string(),
  status: z.enum(AUTHORIZATION_STATUSES),
  expiryDate: z.string().nullable(),
  parentIdTag: z.string().nullable(),
  idTokenType: z.string().optional().describe(
    "OCPP 2.0.1 idToken type: sent to 2.0.1 stations (ISO14443 when absent) and required of their Authorize",
  ),
});

/** `{ items, nextCursor }`: pass `nextCursor` back to get the next page; null on the last one. */
export function pageOf(item: z.ZodTypeAny, cursorDescription?: string) {
  const nextCursor = z.string().nullable();
  return z.object({
    items: z.array(item),
    nextCursor: cursorDescription === undefined ? nextCursor : nextCursor.describe(cursorDescription),
  });
}

export function listOf(item: z.ZodTypeAny) {
  return z.object({ items: z.array(item) });
}
