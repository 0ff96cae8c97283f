/**
 * The PostgreSQL Store, chosen when `DATABASE_URL` is set (Deno KV stays the default). Built only in `main.ts`
 * and in tests; it owns its postgres.js pool and closes it in `close()`. One file per part:
 * `charge_points.ts`, `id_tags.ts`, `transactions.ts`, `meter_values.ts`, `command_log.ts`, and `commit.ts`,
 * the group commit every station write goes through; `migrate.ts` and `migrations/` for the schema.
 *
 * Outages: when PostgreSQL cannot be reached every method rejects with {@linkcode StoreUnavailableError}
 * within about `connectTimeoutSeconds` (refused connections fail at once; a hung socket is cut off by
 * `operationTimeoutMs`). postgres.js reconnects on the next query, so the store works again by itself once the
 * server is back; nothing needs reopening.
 *
 * @example
 * ```ts ignore
 * import { openPostgresStore } from "./mod.ts";
 * const store = await openPostgresStore(Deno.env.get("DATABASE_URL")!);
 * await store.touchChargePoint("CP-1", new Date().toISOString());
 * await store.close();
 * ```
 */
import type { Sql } from "postgres";
import type { ChargePointRecord } from "../../model/charge_point.ts";
import { checkStation, type CommitResult, isEmpty, type StationChanges } from "../../model/changes.ts";
import type { FileStatusEntry } from "../../model/file_status.ts";
import type { ProtocolErrorsClear } from "../../model/protocol_errors.ts";
import type { CommandLogEntry } from "../../model/command_log.ts";
import type { IdTagRecord } from "../../model/id_tag.ts";
import type { Lookups } from "../../model/lookups.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { ListCursor } from "../../model/list_cursor.ts";
import type { StatusHistoryEntry } from "../../model/status_history.ts";
import {
  isTransactionId,
  type OrphanStopRecord,
  type StartKey,
  type StartTransactionInput,
  type StartTransactionOutcome,
  type StopTransactionInput,
  type StopTransactionOutcome,
  type TransactionRecord,
} from "../../model/transaction.ts";
import type { TransactionFlag } from "../../model/transaction_flag.ts";
import { IdBlocks } from "../id_blocks.ts";
import { BatchedRead } from "./batched_reads.ts";
import {
  type HistoryPage,
  type HistoryPageRequest,
  type PageRequest,
  type Store,
  StoreUnavailableError,
  type TransactionFilter,
} from "../mod.ts";
import * as writes from "../station_writes.ts";
import { PgChargePoints } from "./charge_points.ts";
import { PgCommandLog } from "./command_log.ts";
import { PgFileStatus } from "./file_status.ts";
import { PgDeviceModel } from "./device_model.ts";
import type { DeviceModelEntry } from "../../model/device_model.ts";
import { type PgCommitOptions, PgCommitter } from "./commit.ts";
import { IdleConnectors } from "./idle_connectors.ts";
import { RecalledTransactions } from "./recalled_transactions.ts";
import { PgIdTags } from "./id_tags.ts";
import { PgMeterValues } from "./meter_values.ts";
import { openMigratedPool } from "./migrate.ts";
import { DatabaseClock } from "./database_clock.ts";
import { asUnavailable, bounded } from "./sql.ts";
import { PgTransactions } from "./transactions.ts";

export type { GroupCommitInfo } from "./commit.ts";

export interface PostgresStoreOptions extends PgCommitOptions {
  /** Bound on opening a connection, in seconds (default 3). */
  connectTimeoutSeconds?: number;
  /** Bound on any one store call, in ms, for sockets that hang instead of failing (default 10000). */
  operationTimeoutMs?: number;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Apply pending migrations when opening (default true; false when operators run `deno task db:migrate`). */
  migrate?: boolean;
  /** Transaction ids taken from the sequence per reservation (default 100). */
  transactionIdBlock?: number;
}

/** Opens a pool, applies pending migrations (unless `migrate: false`) and returns the store. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 10,
    applicationName: "ocpp-csms",
    ...(options.connectTimeoutSeconds !== undefined
      ? { connectTimeoutSeconds: options.connectTimeoutSeconds }
      : {}),
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  const store = new PostgresStore(sql, options);
  // The command log's times on the database's clock from the first command on.
  await store.measureDatabaseClock();
  return store;
}

export class PostgresStore implements Store {
  readonly #sql: Sql;
  readonly #timeoutMs: number;
  readonly #chargePoints: PgChargePoints;
  readonly #idTags: PgIdTags;
  readonly #transactions: PgTransactions;
  readonly #meterValues: PgMeterValues;
  readonly #commandLog: PgCommandLog;
  readonly #clock: DatabaseClock;
  readonly #fileStatus: PgFileStatus;
  readonly #deviceModel: PgDeviceModel;
  readonly #committer: PgCommitter;
  readonly #idleConnectors = new IdleConnectors();
  readonly #recalledTransactions = new RecalledTransactions();
  readonly #ids: IdBlocks;
  /** The reads stations' handlers ask while deciding, one statement per kind for many stations. */
  readonly #reads: {
    chargePoint: BatchedRead<string, ChargePointRecord | null>;
    idTag: BatchedRead<string, IdTagRecord | null>;
    transaction: BatchedRead<number, TransactionRecord | null>;
    byStart: BatchedRead<StartKey, TransactionRecord | null>;
    activeOn: BatchedRead<{ chargePointId: string; connectorId: number }, TransactionRecord[]>;
  };
  #closed = false;

  /** Prefer {@linkcode openPostgresStore}, which also migrates. The store takes ownership of `sql`. */
  constructor(sql: Sql, options: PostgresStoreOptions = {}) {
    this.#sql = sql;
    this.#timeoutMs = options.operationTimeoutMs ?? 10_000;
    this.#chargePoints = new PgChargePoints(sql);
    this.#idTags = new PgIdTags(sql);
    this.#transactions = new PgTransactions(sql);
    this.#meterValues = new PgMeterValues(sql);
    this.#clock = new DatabaseClock(sql);
    this.#commandLog = new PgCommandLog(sql, this.#clock);
    this.#fileStatus = new PgFileStatus(sql);
    this.#deviceModel = new PgDeviceModel(sql);
    this.#committer = new PgCommitter(
      sql,
      {
        chargePoints: this.#chargePoints,
        transactions: this.#transactions,
        meterValues: this.#meterValues,
        commandLog: this.#commandLog,
        fileStatus: this.#fileStatus,
        deviceModel: this.#deviceModel,
        idleConnectors: this.#idleConnectors,
        recalledTransactions: this.#recalledTransactions,
      },
      options,
      this.#timeoutMs,
    );
    const tx = this.#transactions;
    const cps = this.#chargePoints;
    this.#reads = {
      // Every connection reads its station's snapshot (registry spawn): a boot storm's reads share statements.
      chargePoint: new BatchedRead({
        what: "get charge points",
        one: (id) => cps.getChargePoint(id),
        many: (ids) => cps.getChargePoints(ids),
      }, this.#timeoutMs),
      idTag: new BatchedRead({
        what: "get idTags",
        one: (t) => this.#idTags.getIdTag(t),
        many: (ts) => this.#idTags.getIdTags(ts),
      }, this.#timeoutMs),
      transaction: new BatchedRead({
        what: "get transactions",
        one: (id) => tx.getTransaction(id),
        many: (ids) => tx.getTransactions(ids),
      }, this.#timeoutMs),
      byStart: new BatchedRead({
        what: "find transactions by their start",
        one: (k) => tx.findTransactionByStart(k),
        many: (ks) => tx.findTransactionsByStart(ks),
      }, this.#timeoutMs),
      activeOn: new BatchedRead({
        what: "find the active transactions of connectors",
        one: (k) => tx.findActiveTransactionsOn(k.chargePointId, k.connectorId),
        many: (ks) => tx.findActiveTransactionsOnMany(ks),
      }, this.#timeoutMs),
    };
    this.#ids = new IdBlocks(
      (n) => this.#run("reserve transaction ids", () => this.#transactions.reserveTransactionIds(n)),
      options.transactionIdBlock,
    );
  }

  /**
   * A decision's lookups (see `CommitStore.decisionLookups`): a start on a connector this store knows idle
   * (`IdleConnectors`) reads neither its replay key nor the connector's active transactions (the insert's
   * guards, the unique replay key and the connector's open transaction, catch a replay and another writer's
   * start: the member conflicts, is forgotten, and is decided again from reads); a transaction this store's
   * commits wrote last comes without a read (`RecalledTransactions`; its update applies only while the row has
   * the version recalled). The rest are the store's own reads.
   */
  readonly decisionLookups: Lookups = {
    getIdTag: (idTag) => this.getIdTag(idTag),
    getTransaction: (transactionId) => {
      const recalled = this.#recalledTransactions.get(transactionId);
      return recalled && !this.#closed
        ? Promise.resolve({ ...recalled })
        : this.getTransaction(transactionId);
    },
    findTransactionByStart: (key) =>
      this.#idleConnectors.isIdle(key.chargePointId, key.connectorId) && !this.#closed
        ? Promise.resolve(null)
        : this.findTransactionByStart(key),
    findActiveTransactionsOn: (chargePointId, connectorId) =>
      this.#idleConnectors.isIdle(chargePointId, connectorId) && !this.#closed
        ? Promise.resolve([])
        : this.findActiveTransactionsOn(chargePointId, connectorId),
    findActiveTransactionByIdTag: (idTag) => this.findActiveTransactionByIdTag(idTag),
    findTransactionByStationId: (chargePointId, stationTransactionId, reuse) =>
      this.findTransactionByStationId(chargePointId, stationTransactionId, reuse),
    newTransactionId: () => this.newTransactionId(),
    storedDeviceModelKeys: (chargePointId, keys) => this.storedDeviceModelKeys(chargePointId, keys),
    countDeviceModel: (chargePointId, atMost) => this.countDeviceModel(chargePointId, atMost),
  };

  /** Measures how far PostgreSQL's clock is from this process's (the command log's times go on PostgreSQL's). */
  async measureDatabaseClock(): Promise<void> {
    await this.#clock.measure();
  }

  /** Writes what is pending, waits for writes in flight, then closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#committer.drain();
    await this.#clock.settled();
    await this.#sql.end({ timeout: 5 });
  }

  // --- the one write of the hot path ---------------------------------------------------------------------

  async commit(changes: StationChanges): Promise<CommitResult> {
    checkStation(changes);
    if (isEmpty(changes) && !this.#closed) return { ok: true, meterValuesAdded: 0 };
    const what = () => `write for "${changes.chargePointId}"`;
    if (this.#closed) throw new StoreUnavailableError(`Cannot ${what()}: the store is closed`);
    // The hot path: bounded by its group commit's deadline (PgCommitter), not a timer of its own.
    try {
      return await this.#committer.submit(changes);
    } catch (err) {
      throw asUnavailable(what(), err);
    }
  }

  // --- charge points -------------------------------------------------------------------------------------

  getChargePoint(id: string): Promise<ChargePointRecord | null> {
    return this.#read(`get charge point "${id}"`, () => this.#reads.chargePoint.get(id));
  }
  putChargePoint(record: ChargePointRecord): Promise<void> {
    return this.#run(`save charge point "${record.id}"`, () => this.#chargePoints.putChargePoint(record));
  }
  clearProtocolErrors(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null> {
    return this.#run(
      `clear the protocol errors of "${id}"`,
      () => this.#chargePoints.clearProtocolErrors(id, seenAt, at),
    );
  }
  touchChargePoint(id: string, lastSeen: string): Promise<void> {
    return writes.touchChargePoint(this, id, lastSeen);
  }
  listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]> {
    return this.#run("list charge points", () => this.#chargePoints.listChargePoints(page));
  }
  appendStatusHistory(entry: StatusHistoryEntry): Promise<void> {
    return writes.appendStatusHistory(this, entry);
  }
  recordStatus(entry: StatusHistoryEntry, snapshot: ChargePointRecord): Promise<void> {
    return writes.recordStatus(this, entry, snapshot);
  }
  listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    return this.#run(
      `list status history of "${chargePointId}"`,
      () => this.#chargePoints.listStatusHistory(chargePointId, limit),
    );
  }
  pageStatusHistory(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<StatusHistoryEntry>> {
    return this.#run(
      `list status history of "${chargePointId}"`,
      () => this.#chargePoints.pageStatusHistory(chargePointId, page),
    );
  }

  // --- id tags -------------------------------------------------------------------------------------------

  getIdTag(idTag: string): Promise<IdTagRecord | null> {
    return this.#read(`get idTag "${idTag}"`, () => this.#reads.idTag.get(idTag));
  }
  putIdTag(record: IdTagRecord): Promise<void> {
    return this.#run(`save idTag "${record.idTag}"`, () => this.#idTags.putIdTag(record));
  }
  changeIdTag(
    idTag: string,
    change: (stored: IdTagRecord | null) => IdTagRecord | null | undefined,
  ): Promise<{ before: IdTagRecord | null; after: IdTagRecord | null }> {
    return this.#run(`change idTag "${idTag}"`, () => this.#idTags.changeIdTag(idTag, change));
  }
  deleteIdTag(idTag: string): Promise<boolean> {
    return this.#run(`delete idTag "${idTag}"`, () => this.#idTags.deleteIdTag(idTag));
  }
  listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    return this.#run("list idTags", () => this.#idTags.listIdTags(page));
  }

  // --- transactions --------------------------------------------------------------------------------------

  startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome> {
    return writes.startTransaction(this, input);
  }
  stopTransaction(input: StopTransactionInput, flags?: TransactionFlag[]): Promise<StopTransactionOutcome> {
    return writes.stopTransaction(this, input, flags);
  }
  getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    if (!isTransactionId(transactionId)) return this.#read("get a transaction", () => Promise.resolve(null));
    return this.#read(`get transaction ${transactionId}`, () => this.#reads.transaction.get(transactionId));
  }
  findTransactionByStart(key: StartKey): Promise<TransactionRecord | null> {
    return this.#read(
      `find the start of "${key.chargePointId}" at ${key.timestamp}`,
      () =>
        this.#reads.byStart.get({
          chargePointId: key.chargePointId,
          connectorId: key.connectorId,
          idTag: key.idTag,
          meterStart: key.meterStart,
          timestamp: key.timestamp,
        }),
    );
  }
  findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]> {
    return this.#read(
      `find the active transaction of "${chargePointId}" connector ${connectorId}`,
      async () => {
        const open = await this.#reads.activeOn.get({ chargePointId, connectorId });
        if (open.length === 0) this.#idleConnectors.sawIdle(chargePointId, connectorId);
        return open;
      },
    );
  }
  findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    return this.#run(
      `find an active transaction of idTag "${idTag}"`,
      () => this.#transactions.findActiveTransactionByIdTag(idTag),
    );
  }
  findTransactionByStationId(chargePointId: string, stationTransactionId: string, reuse?: number) {
    return this.#run(
      `find transaction "${stationTransactionId}" of "${chargePointId}"`,
      () => this.#transactions.findTransactionByStationId(chargePointId, stationTransactionId, reuse),
    );
  }
  newTransactionId(): Promise<number> {
    return this.#ids.next();
  }
  listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]> {
    return this.#run("list transactions", () => this.#transactions.listTransactions(filter));
  }
  listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]> {
    return this.#run("list orphan stops", () => this.#transactions.listOrphanStops(page));
  }

  // --- meter values --------------------------------------------------------------------------------------

  addMeterValues(rows: MeterValueRow[]): Promise<number> {
    return writes.addMeterValues(this, rows);
  }
  listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    return this.#run(
      `list meter values of transaction ${transactionId}`,
      () => this.#meterValues.listMeterValuesByTransaction(transactionId),
    );
  }
  pageMeterValuesByTransaction(
    transactionId: number,
    page: { limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    return this.#run(
      `list meter values of transaction ${transactionId}`,
      () => this.#meterValues.pageMeterValuesByTransaction(transactionId, page),
    );
  }
  pageMeterValuesReceivedSince(
    transactionId: number,
    page: { since: string; limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    return this.#run(
      `list meter values of transaction ${transactionId} received since ${page.since}`,
      () => this.#meterValues.pageMeterValuesReceivedSince(transactionId, page),
    );
  }
  listRecentMeterValuesByTransaction(transactionId: number, limit: number): Promise<MeterValueRow[]> {
    return this.#run(
      `list the newest meter values of transaction ${transactionId}`,
      () => this.#meterValues.listRecentMeterValuesByTransaction(transactionId, limit),
    );
  }
  listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return this.#run(
      `list meter values of "${chargePointId}"`,
      () => this.#meterValues.listMeterValuesByChargePoint(chargePointId, limit),
    );
  }
  pageMeterValuesByChargePoint(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<MeterValueRow>> {
    return this.#run(
      `list meter values of "${chargePointId}"`,
      () => this.#meterValues.pageMeterValuesByChargePoint(chargePointId, page),
    );
  }

  // --- command log ---------------------------------------------------------------------------------------

  appendCommandLog(entry: CommandLogEntry): Promise<void> {
    return writes.appendCommandLog(this, entry);
  }
  listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    return this.#run(
      `list commands of "${chargePointId}"`,
      () => this.#commandLog.listCommandLog(chargePointId, limit),
    );
  }
  listCommandLogSince(
    chargePointId: string,
    action: string,
    since: string,
    limit: number,
  ): Promise<CommandLogEntry[]> {
    return this.#run(
      `list ${action} commands of "${chargePointId}" since ${since}`,
      () => this.#commandLog.listCommandLogSince(chargePointId, action, since, limit),
    );
  }
  pageCommandLog(chargePointId: string, page: HistoryPageRequest): Promise<HistoryPage<CommandLogEntry>> {
    return this.#run(
      `list commands of "${chargePointId}"`,
      () => this.#commandLog.pageCommandLog(chargePointId, page),
    );
  }
  settleCommandsOfLostNodes(liveNodeIds: readonly string[], graceMs: number, at: string): Promise<number> {
    return this.#commandLog.settleCommandsOfLostNodes(liveNodeIds, graceMs, at);
  }

  // --- file transfer status history ---------------------------------------------------------------------

  listFileStatus(chargePointId: string, limit: number): Promise<FileStatusEntry[]> {
    return this.#run(
      `list file transfer statuses of "${chargePointId}"`,
      () => this.#fileStatus.listFileStatus(chargePointId, limit),
    );
  }
  pageFileStatus(chargePointId: string, page: HistoryPageRequest): Promise<HistoryPage<FileStatusEntry>> {
    return this.#run(
      `list file transfer statuses of "${chargePointId}"`,
      () => this.#fileStatus.pageFileStatus(chargePointId, page),
    );
  }

  listDeviceModel(chargePointId: string, page: PageRequest): Promise<DeviceModelEntry[]> {
    return this.#run(
      `list the device model of "${chargePointId}"`,
      () => this.#deviceModel.listDeviceModel(chargePointId, page),
    );
  }
  storedDeviceModelKeys(chargePointId: string, keys: readonly string[]): Promise<Set<string>> {
    return this.#run(
      `read the device model keys of "${chargePointId}"`,
      () => this.#deviceModel.storedKeys(chargePointId, keys),
    );
  }
  getDeviceModelEntries(chargePointId: string, keys: readonly string[]): Promise<DeviceModelEntry[]> {
    return this.#run(
      `read device model entries of "${chargePointId}"`,
      () => this.#deviceModel.entries(chargePointId, keys),
    );
  }
  countDeviceModel(chargePointId: string, atMost: number): Promise<number> {
    return this.#run(
      `count the device model of "${chargePointId}"`,
      () => this.#deviceModel.count(chargePointId, atMost),
    );
  }

  /**
   * A batched read (bounded by its batch's deadline): refuses after close and reports an unreachable database
   * as StoreUnavailableError naming what this caller asked.
   */
  async #read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError(`Cannot ${what}: the store is closed`);
    try {
      return await fn();
    } catch (err) {
      throw asUnavailable(what, err);
    }
  }

  /** Refuses after close; bounds the call and reports an unreachable database as StoreUnavailableError. */
  #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError(`Cannot ${what}: the store is closed`));
    return bounded(what, this.#timeoutMs, fn);
  }
}
