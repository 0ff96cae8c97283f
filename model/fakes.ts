/**
 * Fakes for tests of the domain: lookups answered from plain lists (no store), and a transaction as a store
 * would hold it.
 */
import { type IdTagRecord, sameIdTag } from "./id_tag.ts";
import type { Lookups } from "./lookups.ts";
import { startedTransaction, type StartTransactionInput, type TransactionRecord } from "./transaction.ts";

/** Lookups over lists; new transaction ids count up from `nextId`. */
export function fakeLookups(
  data: { idTags?: IdTagRecord[]; transactions?: TransactionRecord[]; nextId?: number } = {},
): Lookups {
  const transactions = data.transactions ?? [];
  let next = data.nextId ?? 100;
  return {
    getIdTag: (idTag) => Promise.resolve(data.idTags?.find((t) => sameIdTag(t.idTag, idTag)) ?? null),
    getTransaction: (id) => Promise.resolve(transactions.find((t) => t.transactionId === id) ?? null),
    findTransactionByStart: (k) =>
      Promise.resolve(
        transactions.find((t) =>
          t.chargePointId === k.chargePointId && t.connectorId === k.connectorId && t.idTag === k.idTag &&
          t.meterStart === k.meterStart && t.startTimestamp === k.timestamp
        ) ?? null,
      ),
    findActiveTransactionsOn: (cp, connector) =>
      Promise.resolve(
        transactions.filter((t) =>
          t.chargePointId === cp && t.connectorId === connector && t.status === "active"
        ),
      ),
    findActiveTransactionByIdTag: (idTag) =>
      Promise.resolve(transactions.find((t) => sameIdTag(t.idTag, idTag) && t.status === "active") ?? null),
    findTransactionByStationId: (cp, id, reuse) =>
      Promise.resolve(
        transactions.filter((t) =>
          t.chargePointId === cp && t.stationTransactionId === id &&
          (reuse === undefined || (t.stationIdReuse ?? 0) === reuse)
        ).sort((a, b) => (b.stationIdReuse ?? 0) - (a.stationIdReuse ?? 0))[0] ?? null,
      ),
    newTransactionId: () => Promise.resolve(next++),
    // No device model: every report's variables are new, and there is room.
    storedDeviceModelKeys: () => Promise.resolve(new Set()),
    countDeviceModel: () => Promise.resolve(0),
  };
}

/** A StartTransaction of CP-1. */
export function startInput(fields: Partial<StartTransactionInput> = {}): StartTransactionInput {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    idTag: "TAG-1",
    idTagStatus: "Accepted",
    meterStart: 1000,
    timestamp: "2026-05-01T09:00:00.000Z",
    reservationId: null,
    receivedAt: "2026-05-01T09:00:00.100Z",
    ...fields,
  };
}

/** A transaction of CP-1 as a store would hold it (started by `startInput()`). */
export function transaction(fields: Partial<TransactionRecord> = {}): TransactionRecord {
  return { ...startedTransaction(startInput(), 7), ...fields };
}
