/**
 * The read-only questions the domain asks while it decides (handlers, transaction rules). The stores answer
 * them; a handler test answers them with a fake. Nothing here writes, except that `newTransactionId` uses up
 * an id (ids are never reused; an id asked for and not used is a gap, which the spec allows).
 */
import type { IdTagRecord } from "./id_tag.ts";
import type { StartKey, TransactionRecord } from "./transaction.ts";

export interface Lookups {
  getIdTag(idTag: string): Promise<IdTagRecord | null>;
  getTransaction(transactionId: number): Promise<TransactionRecord | null>;
  /** The transaction a start with this replay key created, if any. */
  findTransactionByStart(key: StartKey): Promise<TransactionRecord | null>;
  /** The active transactions on one connector (at most one, as the stores keep it). */
  findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]>;
  /** An active transaction of this idTag on any station, for single-use tags (ConcurrentTx). */
  findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null>;
  /**
   * The transaction an OCPP 2.0.1 station opened under its own id, if any: the newest, or the one of `reuse`
   * (its `stationIdReuse`, 0 the first) when the station used the id for more than one.
   */
  findTransactionByStationId(
    chargePointId: string,
    stationTransactionId: string,
    reuse?: number,
  ): Promise<TransactionRecord | null>;
  /** A transactionId never handed out before: positive, 32-bit. */
  newTransactionId(): Promise<number>;
  /** Of `keys` (`deviceModelKey`s), those the station's stored OCPP 2.0.1 device model holds. */
  storedDeviceModelKeys(chargePointId: string, keys: readonly string[]): Promise<Set<string>>;
  /**
   * How many entries the station's stored device model holds, counted up to `atMost` (a larger answer is a
   * count known before: entries are never deleted, so it is a lower bound).
   */
  countDeviceModel(chargePointId: string, atMost: number): Promise<number>;
}
