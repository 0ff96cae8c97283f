/**
 * The Store: everything the Central System keeps. Actors and routes see only this interface; the concrete
 * stores (Deno KV in `kv.ts`, PostgreSQL in `postgres.ts`) are built in `main.ts` and in tests, and one contract
 * suite (`contract.ts`) proves they behave the same.
 *
 * Times are ISO 8601 strings in UTC with milliseconds (`new Date(x).toISOString()`); callers normalise station
 * timestamps before they reach the store, so replay keys compare equal.
 *
 * Records about a station (status history, transactions, orphan stops, meter values) may reference its
 * ChargePointRecord (foreign keys in PostgreSQL): put the station before writing about it. Ids that are sorted
 * and paged (charge point ids, idTags) sort in code point order (PostgreSQL `COLLATE "C"`).
 */
import type {
  AuthorizationStatus,
  ChargePointErrorCode,
  ChargePointStatus,
  RegistrationStatus,
} from "../protocol/ocpp16/enums.ts";

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
  /** The transaction active on this connector, as far as we know. */
  transactionId?: number;
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
}

/** The snapshot of one station that survives restarts. */
export interface ChargePointRecord {
  id: string;
  /** null: the station has never booted and no operator has registered it. */
  registrationStatus: RegistrationStatus | null;
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
  createdAt: string;
  updatedAt: string;
}

/**
 * The snapshot of a station we know nothing about yet: what an actor starts from on a first connection, and
 * what an operator's pre-registration fills in.
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

export interface StatusHistoryEntry {
  chargePointId: string;
  connectorId: number;
  status: ChargePointStatus;
  errorCode: ChargePointErrorCode;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  timestamp: string;
  receivedAt: string;
}

export interface IdTagRecord {
  idTag: string;
  status: AuthorizationStatus;
  expiryDate: string | null;
  parentIdTag: string | null;
}

/**
 * - active: started, not stopped;
 * - superseded: a newer StartTransaction on the same connector closed it (kept for review);
 * - finished: a StopTransaction completed it (a superseded one still finishes when its late stop arrives,
 *   and keeps `supersededBy`).
 */
export type TransactionStatus = "active" | "superseded" | "finished";

export interface TransactionRecord {
  transactionId: number;
  chargePointId: string;
  connectorId: number;
  idTag: string;
  /** The idTagInfo.status we answered StartTransaction with. */
  startIdTagStatus: AuthorizationStatus;
  meterStart: number;
  startTimestamp: string;
  reservationId: number | null;
  status: TransactionStatus;
  supersededBy: number | null;
  meterStop: number | null;
  stopTimestamp: string | null;
  stopReason: string | null;
  stopIdTag: string | null;
  /** meterStop - meterStart, in Wh; null while not stopped. */
  energyWh: number | null;
  /** The start's receivedAt. */
  createdAt: string;
  /** The stop's receivedAt. */
  stoppedAt: string | null;
}

export interface StartTransactionInput {
  chargePointId: string;
  connectorId: number;
  idTag: string;
  idTagStatus: AuthorizationStatus;
  meterStart: number;
  timestamp: string;
  reservationId: number | null;
  receivedAt: string;
}

export interface StartTransactionOutcome {
  transaction: TransactionRecord;
  /** True when this was a replay of a start we already have: nothing was created. */
  replayed: boolean;
  /** Transactions this start closed as superseded (open ones on the same connector). */
  superseded: TransactionRecord[];
}

export interface StopTransactionInput {
  chargePointId: string;
  /** As the station sent it: may be -1 or unknown. */
  transactionId: number;
  idTag: string | null;
  idTagStatus: AuthorizationStatus | null;
  meterStop: number;
  timestamp: string;
  reason: string | null;
  /** The raw transactionData, kept on orphan stops so nothing is lost. */
  transactionData: unknown[] | null;
  receivedAt: string;
}

export interface StopTransactionOutcome {
  /** stopped: completed now; replayed: it was already stopped, nothing changed; orphan: unknown id, kept. */
  outcome: "stopped" | "replayed" | "orphan";
  transaction: TransactionRecord | null;
}

export interface OrphanStopRecord {
  /** Stable key: chargePointId, transactionId, timestamp and meterStop. */
  id: string;
  chargePointId: string;
  transactionId: number;
  idTag: string | null;
  meterStop: number;
  timestamp: string;
  reason: string | null;
  transactionData: unknown[] | null;
  receivedAt: string;
}

/** One sampled value, with the spec's defaults already applied by the caller. */
export interface MeterValueRow {
  chargePointId: string;
  connectorId: number;
  /** An existing transaction or null; callers resolve unknown ids to null. */
  transactionId: number | null;
  timestamp: string;
  value: string;
  context: string;
  format: string;
  measurand: string;
  phase: string | null;
  location: string;
  unit: string;
  receivedAt: string;
}

export interface TransactionFilter {
  chargePointId?: string;
  connectorId?: number;
  idTag?: string;
  status?: TransactionStatus;
  /** startTimestamp >= from */
  from?: string;
  /** startTimestamp < to */
  to?: string;
  /** Cursor: only transactions with a smaller transactionId (newest first). */
  before?: number;
  limit: number;
}

export interface CommandLogEntry {
  id: string;
  chargePointId: string;
  action: string;
  payload: unknown;
  requestedBy: string;
  requestedAt: string;
  /**
   * accepted: the station answered with a CALLRESULT; refused: not sent, the connector state made it
   * pointless (the operator may force it).
   */
  outcome: "accepted" | "callerror" | "timeout" | "not_connected" | "invalid" | "refused";
  response: unknown;
  finishedAt: string;
}

export interface PageRequest {
  /** Cursor: the last key of the previous page; results are strictly after it. */
  after?: string;
  limit: number;
}

export interface ChargePointStore {
  getChargePoint(id: string): Promise<ChargePointRecord | null>;
  /** Upserts the whole snapshot. */
  putChargePoint(record: ChargePointRecord): Promise<void>;
  /**
   * The hot path: only lastSeen changes (Heartbeat, a station's close). No-op for an unknown id. Cheap because
   * it is not checked against other writes: the caller orders the writes of one station (its actor is the one
   * writer and awaits each write before the next), so the last write is the newest and lastSeen never goes
   * backwards.
   */
  touchChargePoint(id: string, lastSeen: string): Promise<void>;
  /** Sorted by id; `search` matches a case-insensitive substring of the id (a plain substring: no wildcards). */
  listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]>;
  appendStatusHistory(entry: StatusHistoryEntry): Promise<void>;
  /**
   * A StatusNotification in one atomic commit: appends `entry` to the status history AND upserts `snapshot`
   * (as `putChargePoint`), so a crash cannot keep one without the other. `snapshot.id` must be
   * `entry.chargePointId`.
   */
  recordStatus(entry: StatusHistoryEntry, snapshot: ChargePointRecord): Promise<void>;
  /** Newest first: the most recently received first. */
  listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]>;
}

export interface IdTagStore {
  getIdTag(idTag: string): Promise<IdTagRecord | null>;
  putIdTag(record: IdTagRecord): Promise<void>;
  /** False when there was no such tag. */
  deleteIdTag(idTag: string): Promise<boolean>;
  /** Sorted by idTag. */
  listIdTags(page: PageRequest): Promise<IdTagRecord[]>;
}

export interface TransactionStore {
  /**
   * Durably records a start, atomically: a replay (same chargePointId, connectorId, idTag, meterStart,
   * timestamp) returns the existing transaction; otherwise a new transactionId (positive 32-bit, never reused)
   * is allocated and any open transaction on the same connector becomes superseded.
   */
  startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome>;
  /**
   * Idempotent; an unknown id (or one of another station) is kept as an orphan stop, once: a replay of the
   * same orphan stop answers "orphan" again and stores nothing.
   */
  stopTransaction(input: StopTransactionInput): Promise<StopTransactionOutcome>;
  getTransaction(transactionId: number): Promise<TransactionRecord | null>;
  /** Newest first (descending transactionId). */
  listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]>;
  /** An active transaction of this idTag on any station, for single-use tags (ConcurrentTx). */
  findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null>;
  /** Newest first: the most recently received first. */
  listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]>;
}

export interface MeterValueStore {
  /**
   * Stores rows, each once: a row equal to a stored one in (chargePointId, connectorId, timestamp, measurand,
   * phase, location, value) is skipped. Returns how many were new.
   */
  addMeterValues(rows: MeterValueRow[]): Promise<number>;
  /** Oldest first (timestamp, then insertion order). */
  listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]>;
  /** Newest first (timestamp, then the later inserted first). */
  listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]>;
}

export interface CommandLogStore {
  appendCommandLog(entry: CommandLogEntry): Promise<void>;
  /** Newest first by requestedAt. */
  listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]>;
}

export interface Store
  extends ChargePointStore, IdTagStore, TransactionStore, MeterValueStore, CommandLogStore {
  close(): Promise<void>;
}

/** Thrown by a store whose backend cannot be reached; actors answer the station with InternalError. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

/** Refuses a `recordStatus` whose history entry and snapshot are about different stations. */
export function checkSameStation(entry: StatusHistoryEntry, snapshot: ChargePointRecord): void {
  if (entry.chargePointId !== snapshot.id) {
    throw new Error(
      `Cannot record the status of "${entry.chargePointId}" with the snapshot of "${snapshot.id}"`,
    );
  }
}
