/**
 * A station's snapshot: what survives restarts about one charge point, and the patches that change it.
 *
 * Writes are field patches, never whole-record overwrites, so two writers that own different fields (the
 * station's actor and an operator, perhaps in two processes) never undo each other: the actor owns what the
 * station reports (`ACTOR_FIELDS`), operators own the registration.
 */
import type {
  ChargePointErrorCode,
  ChargePointStatus,
  RegistrationStatus,
} from "../protocol/ocpp16/enums.ts";
import type { ChargingReports } from "./charging_reports.ts";
import type { ProtocolErrors } from "./protocol_errors.ts";

/** What a station told us in its BootNotification. */
export interface BootInfo {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
  /** OCPP 2.0.1: why the station booted (PowerUp, FirmwareUpdate, RemoteReset, ...). */
  reason?: string;
}

export interface ConnectorState {
  connectorId: number;
  status: ChargePointStatus;
  errorCode: ChargePointErrorCode;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  /** The station's timestamp when it sent one, else when we received the status. */
  timestamp: string;
  /** The station sent no timestamp: `timestamp` is our clock's, not comparable with the station's. */
  untimed?: true;
  /** The transaction active on this connector, as far as we know. */
  transactionId?: number;
  /** No StatusNotification named this connector yet: a transaction started on it, so Charging is our guess. */
  assumed?: true;
}

export interface ConfigurationKeyValue {
  key: string;
  readonly: boolean;
  value?: string;
}

export interface ScheduledAvailability {
  connectorId: number;
  type: "Operative" | "Inoperative";
  requestedAt: string;
}

export interface Reservation {
  reservationId: number;
  connectorId: number;
  idTag: string;
  parentIdTag?: string;
  expiryDate: string;
  requestedAt: string;
  /**
   * Held since its ReserveNow timed out (`model/reservation_hold.ts`): the station may hold it but never said
   * so. An Accepted (late, or to a ReserveNow of its id sent again) writes it without this.
   */
  unconfirmed?: true;
}

/**
 * One connector of one EVSE of an OCPP 2.0.1 station, as its StatusNotification (OCPP 2.0.1 G01) reported
 * it. 1.6 stations report `connectors` instead.
 */
export interface EvseConnectorState {
  evseId: number;
  connectorId: number;
  /** OCPP 2.0.1 ConnectorStatusEnumType: Available, Occupied, Reserved, Unavailable, Faulted. */
  status: string;
  /** The station's timestamp. */
  timestamp: string;
  /** The station's own id of the transaction open on this EVSE, from its TransactionEvents. */
  transactionId?: string;
  /** No StatusNotification named this connector yet: a transaction opened on it, so Occupied is our guess. */
  assumed?: true;
}

/** The snapshot of one station that survives restarts. */
export interface ChargePointRecord {
  id: string;
  /** null: the station has never booted and no operator has registered it. */
  registrationStatus: RegistrationStatus | null;
  /**
   * An operator set Pending: its boots keep it Pending until an operator decides (a Pending the policy gave is
   * the policy's to answer again at the next boot). Absent or false: not held.
   */
  registrationHeld?: boolean;
  boot: BootInfo | null;
  bootedAt: string | null;
  /** Sorted by connectorId, connector 0 (the whole station) included when reported. */
  connectors: ConnectorState[];
  lastSeen: string | null;
  firmwareStatus: string | null;
  diagnosticsStatus: string | null;
  /** The last GetConfiguration answer, null before the first one. */
  configuration: ConfigurationKeyValue[] | null;
  /** ChangeAvailability answered Scheduled: it takes effect when the running transaction ends. */
  scheduledAvailability?: ScheduledAvailability[];
  /** The local authorization list version, from GetLocalListVersion or an accepted SendLocalList. */
  localListVersion?: number;
  /** Reservations the station accepted (ReserveNow) and that were not used or cancelled since. */
  reservations?: Reservation[];
  /** The WebSocket subprotocol of the station's last connection: `ocpp1.6` or `ocpp2.0.1`. */
  ocppVersion?: string;
  /** OCPP 2.0.1: each EVSE's connectors, sorted by EVSE then connector. */
  evses?: EvseConnectorState[];
  /** OCPP 2.0.1: the charging profiles and external limits the station reported. */
  chargingReports?: ChargingReports;
  /**
   * When an operator took the station out of service: it is refused when it connects and left out of lists,
   * the overview and alerts, its history kept. Absent or null: in service (a recommission clears it).
   */
  decommissionedAt?: string | null;
  /** Frames of the station we refused or ignored, and the last one (`model/protocol_errors.ts`). */
  protocolErrors?: ProtocolErrors | null;
  /**
   * When we last received a StatusNotification from the station (our clock, whatever the report's own time,
   * a stale one's too): with `bootedAt`, whether it reported since its boot (`overview/awaiting_status.ts`).
   * Absent: none received since this field exists.
   */
  statusReceivedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A snapshot's large, rarely read fields: the last GetConfiguration answer (5-20 KB for a real station) and the
 * 2.0.1 charging reports. A connected station's actor does not hold them (they would double its footprint):
 * what needs them reads them from the store (`getChargePoint`), and station lists leave them out.
 */
export const DETAIL_FIELDS = ["configuration", "chargingReports"] as const satisfies readonly (
  keyof ChargePointRecord
)[];

export type StationDetails = Pick<ChargePointRecord, (typeof DETAIL_FIELDS)[number]>;

/** A snapshot without its details: what a connected station's actor holds and shows. */
export type LiveRecord = Omit<ChargePointRecord, (typeof DETAIL_FIELDS)[number]>;

/** `record` without its details (the same object when it has none). */
export function withoutDetails(record: LiveRecord & Partial<StationDetails>): LiveRecord {
  if (!DETAIL_FIELDS.some((field) => field in record)) return record;
  // A rest copy, not `delete`: an object with deleted properties turns to dictionary mode, ~400 bytes more.
  const { configuration: _configuration, chargingReports: _chargingReports, ...live } = record;
  return live;
}

/** A live snapshot with the details the store holds (none: null configuration, no charging reports). */
export function withDetails(live: LiveRecord, stored: Partial<StationDetails> | null): ChargePointRecord {
  const out: ChargePointRecord = { ...live, configuration: stored?.configuration ?? null };
  if (stored?.chargingReports !== undefined) out.chargingReports = stored.chargingReports;
  return out;
}

/**
 * Some fields of a snapshot, to write over the stored ones; the others stay as stored. A patch of a station
 * the store does not have creates it from `emptyRecord`.
 */
export type SnapshotPatch = Partial<Omit<ChargePointRecord, "id">>;

/** The fields a station's actor owns: what the station itself reports or its answers teach us. */
export const ACTOR_FIELDS = [
  "boot",
  "bootedAt",
  "connectors",
  "lastSeen",
  "firmwareStatus",
  "diagnosticsStatus",
  "configuration",
  "scheduledAvailability",
  "localListVersion",
  "reservations",
  "ocppVersion",
  "evses",
  "chargingReports",
  "protocolErrors",
  "statusReceivedAt",
] as const satisfies readonly (keyof SnapshotPatch)[];

/**
 * The snapshot of a station we know nothing about yet: what an actor starts from on a first connection, and
 * what an operator's pre-registration fills in.
 *
 * @example
 * ```ts
 * const record = emptyRecord("CP-1", new Date("2026-01-01T00:00:00Z"));
 * record.registrationStatus; // null
 * ```
 */
export function emptyRecord(id: string, now: Date): ChargePointRecord {
  const at = now.toISOString();
  return {
    id,
    registrationStatus: null,
    boot: null,
    bootedAt: null,
    connectors: [],
    lastSeen: null,
    firmwareStatus: null,
    diagnosticsStatus: null,
    configuration: null,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * `record` with `patch` written over it (a new object; neither input changes).
 *
 * @example
 * ```ts
 * const record = emptyRecord("CP-1", new Date("2026-01-01T00:00:00Z"));
 * applyPatch(record, { firmwareStatus: "Installed" }).firmwareStatus; // "Installed"
 * ```
 */
export function applyPatch<R extends LiveRecord & Partial<StationDetails>>(
  record: R,
  patch: SnapshotPatch,
): R {
  return { ...record, ...patch };
}

/** The actor-owned fields of `record` as a patch: what an actor writes when it cannot tell what changed. */
export function actorFields(record: LiveRecord & Partial<StationDetails>): SnapshotPatch {
  const patch: Record<string, unknown> = {};
  for (const field of ACTOR_FIELDS) {
    if (record[field] !== undefined) patch[field] = record[field];
  }
  return patch as SnapshotPatch;
}

/**
 * The station's reservations without one (used, cancelled or replaced) and without those expired at `at`: a
 * station ends a reservation at its expiry (OCPP 1.6 §5.13), and one whose end we never hear of (it expired,
 * a start did not name it, it was cancelled while the station was offline) must not stay on the record for
 * ever (every status rewrites a KV record, and one holds at most 64 KiB).
 */
export function withoutReservation(
  record: Readonly<LiveRecord>,
  reservationId: number,
  at: string,
): Reservation[] {
  const nowMs = Date.parse(at);
  return (record.reservations ?? []).filter((r) => r.reservationId !== reservationId && !expired(r, nowMs));
}

/** The record's reservations without those expired at `nowMs`, or null when none has expired. */
export function unexpiredReservations(record: Readonly<LiveRecord>, nowMs: number): Reservation[] | null {
  const reservations = record.reservations ?? [];
  return reservations.some((r) => expired(r, nowMs)) ? reservations.filter((r) => !expired(r, nowMs)) : null;
}

function expired(reservation: Reservation, nowMs: number): boolean {
  return Date.parse(reservation.expiryDate) <= nowMs;
}
