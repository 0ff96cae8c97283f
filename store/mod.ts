/**
 * The Store interfaces: everything the Central System keeps, as small interfaces composed into `Store`.
 * Actors and routes see only these; the concrete stores (`kv/` on Deno KV, `postgres/` on PostgreSQL) are
 * built in `main.ts` and in tests, and one contract suite (`contract/`) proves they behave the same.
 *
 * Every write of a station's hot path is one `commit(changes)`: the store batches commits from many stations
 * into one database transaction (group commit) and settles each caller only with the outcome of the commit
 * that holds ITS changes. The transaction rules (replay, supersede, orphan stops) live once in `model/`;
 * stores offer the atomic primitives they need: a unique replay key, a status guard, natural keys.
 *
 * Times are ISO 8601 strings in UTC with milliseconds (`new Date(x).toISOString()`); callers normalise station
 * timestamps before they reach the store, so replay keys compare equal. Ids that are sorted and paged (charge
 * point ids, idTags) sort in code point order (PostgreSQL `COLLATE "C"`).
 */
import type { ChargePointRecord } from "../model/charge_point.ts";
import type { CommitResult, StationChanges } from "../model/changes.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { DeviceModelEntry } from "../model/device_model.ts";
import type { FileStatusEntry } from "../model/file_status.ts";
import type { IdTagRecord } from "../model/id_tag.ts";
import type { Lookups } from "../model/lookups.ts";
import type { ListCursor } from "../model/list_cursor.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import type { ProtocolErrorsClear } from "../model/protocol_errors.ts";
import type { StatusHistoryEntry } from "../model/status_history.ts";
import type { TransactionFlag } from "../model/transaction_flag.ts";
import type {
  OrphanStopRecord,
  StartTransactionInput,
  StartTransactionOutcome,
  StopTransactionInput,
  StopTransactionOutcome,
  TransactionRecord,
  TransactionStatus,
} from "../model/transaction.ts";

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

/** What a change of one stored record saw and left (null: nothing was, or is, stored). */
export interface Changed<T> {
  before: T | null;
  after: T | null;
}

/**
 * A page of a station's history (status, commands, file transfers), newest first: by time, then by the store's
 * own sequence (the KV key's `seq`, PostgreSQL's `seq` column), which the entries do not carry. `next` is the
 * cursor of the page's last entry, its time and sequence (null when the page is not full): the next page starts
 * strictly after it, so entries of one time are neither repeated nor skipped.
 */
export interface HistoryPage<T> {
  items: T[];
  next: ListCursor | null;
}

/** `before`: a `next` of this store (a cursor of another throws ForeignCursorError). */
export interface HistoryPageRequest {
  limit: number;
  before?: ListCursor;
}

export interface PageRequest {
  /** Cursor: the last key of the previous page; results are strictly after it. */
  after?: string;
  limit: number;
}

/** The one write of the station hot path, batched across stations. */
export interface CommitStore {
  /**
   * Writes one station's changes all or nothing, in a commit shared with other stations' changes. Resolves
   * once they are durable (or with a conflict, having written nothing); rejects when the commit holding them
   * failed ({@linkcode StoreUnavailableError} when the backend cannot be reached).
   */
  commit(changes: StationChanges): Promise<CommitResult>;
  /**
   * The lookups of a decision this store's `commit` will write (handlers, `station_writes.ts`), when they may
   * answer from what this store's own commits left, checked by the commit's guards (PostgreSQL: a connector
   * known idle, an active transaction with its row version). Absent: the store's own methods, which read.
   * Everything else (the API, tools) asks the store itself.
   */
  readonly decisionLookups?: Lookups;
}

export interface ChargePointStore {
  getChargePoint(id: string): Promise<ChargePointRecord | null>;
  /** Creates or replaces the whole snapshot: for creating a record and for imports (else commit a patch). */
  putChargePoint(record: ChargePointRecord): Promise<void>;
  /**
   * Clears the record's protocol errors (to null, `updatedAt` = `at`) when its last one is at `seenAt`,
   * atomically against every other write of the record: of two clears at once, one clears and the other reads
   * what it left. Gives what this call did (`protocolErrorsClear` of the errors it read), null for an unknown id.
   * For a station not connected anywhere: a connected one's actor holds errors not written yet.
   */
  clearProtocolErrors(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null>;
  /** Only lastSeen changes (a `commit` of `{ lastSeen }`). No-op for an unknown id. */
  touchChargePoint(id: string, lastSeen: string): Promise<void>;
  /**
   * Sorted by id; `search` matches a case-insensitive substring of the id (a plain substring: no wildcards).
   * Records as lists need them: without the large fields (`configuration` null, no `chargingReports`), which
   * `getChargePoint` gives; a fleet scan of every station would otherwise read each one's configuration.
   */
  listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]>;
  /** A `commit` of one status history entry. */
  appendStatusHistory(entry: StatusHistoryEntry): Promise<void>;
  /**
   * A `commit` of a status history entry with `snapshot`'s fields as a patch, so a crash cannot keep one
   * without the other. `snapshot.id` must be `entry.chargePointId`.
   */
  recordStatus(entry: StatusHistoryEntry, snapshot: ChargePointRecord): Promise<void>;
  /** Newest first: the most recently received first. */
  listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]>;
  /** listStatusHistory by pages (received at, then sequence, both descending). */
  pageStatusHistory(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<StatusHistoryEntry>>;
}

export interface IdTagStore {
  getIdTag(idTag: string): Promise<IdTagRecord | null>;
  putIdTag(record: IdTagRecord): Promise<void>;
  /**
   * Writes `change(stored)` (stored: null when there is no such tag) atomically against every other write of
   * the tag: a record is stored, null deletes the tag, undefined writes nothing. `change` may run again on a
   * newer record. Gives what was stored before and what is stored now.
   */
  changeIdTag(
    idTag: string,
    change: (stored: IdTagRecord | null) => IdTagRecord | null | undefined,
  ): Promise<Changed<IdTagRecord>>;
  /** False when there was no such tag. */
  deleteIdTag(idTag: string): Promise<boolean>;
  /** Sorted by idTag. */
  listIdTags(page: PageRequest): Promise<IdTagRecord[]>;
}

export interface TransactionStore
  extends Omit<Lookups, "getIdTag" | "storedDeviceModelKeys" | "countDeviceModel"> {
  /**
   * The rules of `model/transaction.ts` committed: a replay returns the existing transaction; otherwise a new
   * transactionId (positive 32-bit, never reused) and any open transaction on the same connector becomes
   * superseded. For tools and tests: actors decide and commit through their handlers.
   */
  startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome>;
  /**
   * Idempotent; an unknown id (or one of another station) is kept as an orphan stop, once: a replay of the
   * same orphan stop answers "orphan" again and stores nothing. `flags` are stored in the same commit as the
   * stop, and only when it stops the transaction.
   */
  stopTransaction(input: StopTransactionInput, flags?: TransactionFlag[]): Promise<StopTransactionOutcome>;
  /** Newest first (descending transactionId). */
  listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]>;
  /** Newest first: the most recently received first. */
  listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]>;
}

export interface MeterValueStore {
  /**
   * Stores rows, each once: a row equal to a stored one in (chargePointId, connectorId, timestamp, measurand,
   * phase, location, value) is skipped. Returns how many were new.
   */
  addMeterValues(rows: MeterValueRow[]): Promise<number>;
  /**
   * Oldest first (timestamp, then insertion order). Every row of the session: for tools, tests and small
   * sessions; what answers an operator reads by pages (`pageMeterValuesByTransaction`).
   */
  listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]>;
  /**
   * listMeterValuesByTransaction by pages, oldest first: by timestamp, then the entry that holds the row (the
   * store's sequence), then its position in it; `next` (the last row's place, id `<sequence>-<position>`) is
   * null when no row follows the page. A long session is read a page at a time, never whole.
   */
  pageMeterValuesByTransaction(
    transactionId: number,
    page: { limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>>;
  /**
   * The values of a transaction received at or after `since` (their `receivedAt`), by pages in the order they
   * arrived: by receivedAt, then the store's sequence, then the position in the entry; `next`'s `at` is the
   * last row's receivedAt. A live chart asks for what is new: the store reads those values only, however long
   * the session (an index by arrival), so a page costs what it answers.
   */
  pageMeterValuesReceivedSince(
    transactionId: number,
    page: { since: string; limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>>;
  /**
   * A transaction's newest `limit` values, newest first (timestamp, then the later inserted first): what a
   * running session's energy is read from, without reading the session.
   */
  listRecentMeterValuesByTransaction(transactionId: number, limit: number): Promise<MeterValueRow[]>;
  /** Newest first (timestamp, then the later inserted first). */
  listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]>;
  /**
   * listMeterValuesByChargePoint by pages: by timestamp, then the entry that holds the row (the store's
   * sequence), then the row's position in it, all descending; `next`'s id is `<sequence>-<position>`.
   */
  pageMeterValuesByChargePoint(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<MeterValueRow>>;
}

export interface CommandLogStore {
  /**
   * A `commit` of one command log entry: a new row, or the row of its id settled in place when the entry's
   * outcome knows more (`outcomeRank`); else nothing.
   */
  appendCommandLog(entry: CommandLogEntry): Promise<void>;
  /** Newest first by requestedAt. */
  listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]>;
  /**
   * One station's rows of `action` requested at or after `since`, newest first, up to `limit`: a command's
   * own row (and those of its action since), however many other commands the station got after it.
   */
  listCommandLogSince(
    chargePointId: string,
    action: string,
    since: string,
    limit: number,
  ): Promise<CommandLogEntry[]>;
  /** listCommandLog by pages (requested at, then sequence, both descending). */
  pageCommandLog(chargePointId: string, page: HistoryPageRequest): Promise<HistoryPage<CommandLogEntry>>;
  /**
   * Settles as `unknown` (NODE_LOST_RESPONSE, finishedAt `at`) the rows still `sending` that a node outside
   * `liveNodeIds` wrote at least `graceMs` ago: their node died with the command. How long ago by the store's
   * clock where it has one (PostgreSQL's, which nodes with skewed clocks share), else `at` against the row's
   * requestedAt. Each row once, whichever process runs it; returns how many it settled.
   */
  settleCommandsOfLostNodes(liveNodeIds: readonly string[], graceMs: number, at: string): Promise<number>;
}

/** File transfer progress stations reported, written by `commit` (`fileStatus`). */
export interface FileStatusStore {
  /** Newest first by receivedAt. */
  listFileStatus(chargePointId: string, limit: number): Promise<FileStatusEntry[]>;
  /** listFileStatus by pages (received at, then sequence, both descending). */
  pageFileStatus(chargePointId: string, page: HistoryPageRequest): Promise<HistoryPage<FileStatusEntry>>;
}

/** OCPP 2.0.1 device models, written by `commit` (`deviceModel`). */
export interface DeviceModelStore {
  /** One station's entries sorted by key (`deviceModelKey`), after the cursor `after`. */
  listDeviceModel(chargePointId: string, page: PageRequest): Promise<DeviceModelEntry[]>;
  /** See `Lookups`: a report's handler asks before it adds entries (the model's bound). */
  storedDeviceModelKeys(chargePointId: string, keys: readonly string[]): Promise<Set<string>>;
  countDeviceModel(chargePointId: string, atMost: number): Promise<number>;
  /** The station's entries of `keys` (`deviceModelKey`s) it holds, sorted by key; the others are left out. */
  getDeviceModelEntries(chargePointId: string, keys: readonly string[]): Promise<DeviceModelEntry[]>;
}

export interface Store
  extends
    CommitStore,
    ChargePointStore,
    IdTagStore,
    TransactionStore,
    MeterValueStore,
    CommandLogStore,
    FileStatusStore,
    DeviceModelStore {
  close(): Promise<void>;
}

/** Thrown by a store whose backend cannot be reached; actors answer the station with InternalError. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
