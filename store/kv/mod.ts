/**
 * The embedded Store on Deno KV: the default when no DATABASE_URL is set, and what Deno Deploy uses. One
 * file per part: `charge_points.ts`, `id_tags.ts`, `transactions.ts`, `meter_values.ts`, `command_log.ts`,
 * and `commit.ts`, the group commit every station write goes through. The layout is in `keys.ts`.
 *
 * @example
 * ```ts
 * import { openKvStore } from "./mod.ts";
 *
 * const store = await openKvStore(":memory:");
 * await store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
 * console.log((await store.getIdTag("TAG-1"))?.status); // "Accepted"
 * await store.close();
 * ```
 */
import type { ChargePointRecord } from "../../model/charge_point.ts";
import { checkStation, type CommitResult, isEmpty, type StationChanges } from "../../model/changes.ts";
import type { FileStatusEntry } from "../../model/file_status.ts";
import type { CommandLogEntry } from "../../model/command_log.ts";
import type { IdTagRecord } from "../../model/id_tag.ts";
import type { ProtocolErrorsClear } from "../../model/protocol_errors.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { ListCursor } from "../../model/list_cursor.ts";
import type { StatusHistoryEntry } from "../../model/status_history.ts";
import type {
  OrphanStopRecord,
  StartKey,
  StartTransactionInput,
  StartTransactionOutcome,
  StopTransactionInput,
  StopTransactionOutcome,
  TransactionRecord,
} from "../../model/transaction.ts";
import type { TransactionFlag } from "../../model/transaction_flag.ts";
import { IdBlocks } from "../id_blocks.ts";
import type { HistoryPage, HistoryPageRequest, PageRequest, Store, TransactionFilter } from "../mod.ts";
import * as writes from "../station_writes.ts";
import { KvChargePoints } from "./charge_points.ts";
import { KvCommandLog } from "./command_log.ts";
import { KvFileStatus } from "./file_status.ts";
import { KvDeviceModel } from "./device_model.ts";
import type { DeviceModelEntry } from "../../model/device_model.ts";
import { type KvCommitOptions, KvCommitter } from "./commit.ts";
import { openKvHandle, type OpenKvOptions } from "./handle.ts";
import { fullDiskNote } from "./free_space.ts";
import { foldIdTagKeys, KvIdTags } from "./id_tags.ts";
import { indexStartTimes } from "./start_times.ts";
import { Sequence } from "./keys.ts";
import { KvMeterValues } from "./meter_values.ts";
import { KvReads } from "./reads.ts";
import { KvTransactions } from "./transactions.ts";

export { openKvHandle } from "./handle.ts";
export type { KvBatchInfo } from "./commit.ts";

export interface KvStoreOptions extends KvCommitOptions {
  /** Transaction ids reserved per step of the counter (default 100). */
  transactionIdBlock?: number;
  /** Whether `close()` closes the handle (default true; false for a second store on a shared handle). */
  closeHandle?: boolean;
}

/**
 * Opens a KvStore (see `openKvHandle` for `path`). With a path (a local file or `":memory:"`, which this
 * process alone writes) meter values go through the journal unless `options.meterJournal` says otherwise.
 */
export async function openKvStore(path?: string, options: KvStoreOptions = {}): Promise<KvStore> {
  return new KvStore(await openKvStoreHandle(path), { meterJournal: path !== undefined, ...options });
}

/**
 * A handle for a KvStore: opened, and its layout brought up to date (id tag keys folded, start times indexed).
 * A file that cannot be opened is named in the error, with its disk's room when that is what is missing.
 */
export async function openKvStoreHandle(path?: string, options: OpenKvOptions = {}): Promise<Deno.Kv> {
  let kv: Deno.Kv | undefined;
  try {
    kv = await openKvHandle(path, options);
    await foldIdTagKeys(kv);
    await indexStartTimes(kv);
    return kv;
  } catch (error) {
    kv?.close();
    if (path === undefined || path === ":memory:") throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the Deno KV store "${path}": ${reason}${fullDiskNote(path)}`, {
      cause: error,
    });
  }
}

/** A Store on a Deno KV handle it owns: `close()` writes pending commits, then closes the handle. */
export class KvStore implements Store {
  readonly #kv: Deno.Kv;
  readonly #chargePoints: KvChargePoints;
  readonly #idTags: KvIdTags;
  readonly #transactions: KvTransactions;
  readonly #meterValues: KvMeterValues;
  readonly #commandLog: KvCommandLog;
  readonly #fileStatus: KvFileStatus;
  readonly #deviceModel: KvDeviceModel;
  readonly #committer: KvCommitter;
  readonly #ids: IdBlocks;
  readonly #closeHandle: boolean;
  #closed = false;

  constructor(kv: Deno.Kv, options: KvStoreOptions = {}) {
    this.#kv = kv;
    this.#closeHandle = options.closeHandle ?? true;
    const reads = new KvReads(kv);
    this.#chargePoints = new KvChargePoints(kv, reads);
    this.#idTags = new KvIdTags(kv, reads);
    this.#transactions = new KvTransactions(kv, reads);
    this.#commandLog = new KvCommandLog(kv);
    this.#fileStatus = new KvFileStatus(kv);
    this.#deviceModel = new KvDeviceModel(kv);
    this.#committer = new KvCommitter(kv, new Sequence(), reads, options);
    this.#meterValues = new KvMeterValues(kv, this.#committer.journal);
    this.#ids = new IdBlocks((n) => this.#transactions.reserveTransactionIds(n), options.transactionIdBlock);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#committer.close();
    if (this.#closeHandle) this.#kv.close();
  }

  // ---------------------------------------------------------------- the one write of the hot path

  async commit(changes: StationChanges): Promise<CommitResult> {
    if (this.#closed) {
      throw new Error(`Cannot write for "${changes.chargePointId}": the store is closed`);
    }
    checkStation(changes);
    if (isEmpty(changes)) return { ok: true, meterValuesAdded: 0 };
    return await this.#committer.submit(changes);
  }

  // ---------------------------------------------------------------- charge points

  getChargePoint(id: string): Promise<ChargePointRecord | null> {
    return this.#chargePoints.getChargePoint(id);
  }
  putChargePoint(record: ChargePointRecord): Promise<void> {
    return this.#chargePoints.putChargePoint(record);
  }
  clearProtocolErrors(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null> {
    return this.#chargePoints.clearProtocolErrors(id, seenAt, at);
  }
  touchChargePoint(id: string, lastSeen: string): Promise<void> {
    return writes.touchChargePoint(this, id, lastSeen);
  }
  listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]> {
    return this.#chargePoints.listChargePoints(page);
  }
  appendStatusHistory(entry: StatusHistoryEntry): Promise<void> {
    return writes.appendStatusHistory(this, entry);
  }
  recordStatus(entry: StatusHistoryEntry, snapshot: ChargePointRecord): Promise<void> {
    return writes.recordStatus(this, entry, snapshot);
  }
  listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    return this.#chargePoints.listStatusHistory(chargePointId, limit);
  }
  pageStatusHistory(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<StatusHistoryEntry>> {
    return this.#chargePoints.pageStatusHistory(chargePointId, page);
  }

  // ---------------------------------------------------------------- id tags

  getIdTag(idTag: string): Promise<IdTagRecord | null> {
    return this.#idTags.getIdTag(idTag);
  }
  putIdTag(record: IdTagRecord): Promise<void> {
    return this.#idTags.putIdTag(record);
  }
  changeIdTag(
    idTag: string,
    change: (stored: IdTagRecord | null) => IdTagRecord | null | undefined,
  ): Promise<{ before: IdTagRecord | null; after: IdTagRecord | null }> {
    return this.#idTags.changeIdTag(idTag, change);
  }
  deleteIdTag(idTag: string): Promise<boolean> {
    return this.#idTags.deleteIdTag(idTag);
  }
  listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    return this.#idTags.listIdTags(page);
  }

  // ---------------------------------------------------------------- transactions

  startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome> {
    return writes.startTransaction(this, input);
  }
  stopTransaction(input: StopTransactionInput, flags?: TransactionFlag[]): Promise<StopTransactionOutcome> {
    return writes.stopTransaction(this, input, flags);
  }
  getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    return this.#transactions.getTransaction(transactionId);
  }
  findTransactionByStart(key: StartKey): Promise<TransactionRecord | null> {
    return this.#transactions.findTransactionByStart(key);
  }
  findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]> {
    return this.#transactions.findActiveTransactionsOn(chargePointId, connectorId);
  }
  findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    return this.#transactions.findActiveTransactionByIdTag(idTag);
  }
  findTransactionByStationId(chargePointId: string, stationTransactionId: string, reuse?: number) {
    return this.#transactions.findTransactionByStationId(chargePointId, stationTransactionId, reuse);
  }
  newTransactionId(): Promise<number> {
    return this.#ids.next();
  }
  listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]> {
    return this.#transactions.listTransactions(filter);
  }
  listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]> {
    return this.#transactions.listOrphanStops(page);
  }

  // ---------------------------------------------------------------- meter values

  addMeterValues(rows: MeterValueRow[]): Promise<number> {
    return writes.addMeterValues(this, rows);
  }
  listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    return this.#meterValues.listMeterValuesByTransaction(transactionId);
  }
  pageMeterValuesByTransaction(
    transactionId: number,
    page: { limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    return this.#meterValues.pageMeterValuesByTransaction(transactionId, page);
  }
  pageMeterValuesReceivedSince(
    transactionId: number,
    page: { since: string; limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    return this.#meterValues.pageMeterValuesReceivedSince(transactionId, page);
  }
  listRecentMeterValuesByTransaction(transactionId: number, limit: number): Promise<MeterValueRow[]> {
    return this.#meterValues.listRecentMeterValuesByTransaction(transactionId, limit);
  }
  listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return this.#meterValues.listMeterValuesByChargePoint(chargePointId, limit);
  }
  pageMeterValuesByChargePoint(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<MeterValueRow>> {
    return this.#meterValues.pageMeterValuesByChargePoint(chargePointId, page);
  }

  // ---------------------------------------------------------------- command log

  appendCommandLog(entry: CommandLogEntry): Promise<void> {
    return writes.appendCommandLog(this, entry);
  }
  listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    return this.#commandLog.listCommandLog(chargePointId, limit);
  }
  listCommandLogSince(
    chargePointId: string,
    action: string,
    since: string,
    limit: number,
  ): Promise<CommandLogEntry[]> {
    return this.#commandLog.listCommandLogSince(chargePointId, action, since, limit);
  }
  pageCommandLog(chargePointId: string, page: HistoryPageRequest): Promise<HistoryPage<CommandLogEntry>> {
    return this.#commandLog.pageCommandLog(chargePointId, page);
  }
  settleCommandsOfLostNodes(liveNodeIds: readonly string[], graceMs: number, at: string): Promise<number> {
    return this.#commandLog.settleCommandsOfLostNodes(liveNodeIds, graceMs, at);
  }

  // ---------------------------------------------------------------- file transfer status history

  listFileStatus(chargePointId: string, limit: number): Promise<FileStatusEntry[]> {
    return this.#fileStatus.listFileStatus(chargePointId, limit);
  }
  pageFileStatus(chargePointId: string, page: HistoryPageRequest): Promise<HistoryPage<FileStatusEntry>> {
    return this.#fileStatus.pageFileStatus(chargePointId, page);
  }

  listDeviceModel(chargePointId: string, page: PageRequest): Promise<DeviceModelEntry[]> {
    return this.#deviceModel.listDeviceModel(chargePointId, page);
  }
  storedDeviceModelKeys(chargePointId: string, keys: readonly string[]): Promise<Set<string>> {
    return this.#deviceModel.storedKeys(chargePointId, keys);
  }
  getDeviceModelEntries(chargePointId: string, keys: readonly string[]): Promise<DeviceModelEntry[]> {
    return this.#deviceModel.entries(chargePointId, keys);
  }
  countDeviceModel(chargePointId: string, atMost: number): Promise<number> {
    return this.#deviceModel.count(chargePointId, atMost);
  }
}
