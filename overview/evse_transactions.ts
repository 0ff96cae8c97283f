/**
 * A 2.0.1 station's EVSEs as the station page shows them: the transaction open on an EVSE is the station's
 * own string id; the ledger gave it one of our integer ids, which its page is found by (a 1.6 connector holds
 * that id itself).
 */
import type { EvseConnectorState } from "../model/charge_point.ts";
import type { TransactionStore } from "../store/mod.ts";

export type EvseWithLedgerId = EvseConnectorState & { ledgerTransactionId?: number };

/**
 * `evses` with `ledgerTransactionId` beside each station transaction id the ledger holds: the newest session
 * under that id (a station that counts its ids again after a reset has the newest open). One look-up per
 * transaction, not per connector: an EVSE's connectors share its transaction.
 */
export async function withLedgerIds(
  store: Pick<TransactionStore, "findTransactionByStationId">,
  chargePointId: string,
  evses: readonly EvseConnectorState[],
): Promise<EvseWithLedgerId[]> {
  const ids = new Map<string, number | null>();
  for (const { transactionId } of evses) {
    if (transactionId === undefined || ids.has(transactionId)) continue;
    const found = await store.findTransactionByStationId(chargePointId, transactionId);
    ids.set(transactionId, found?.transactionId ?? null);
  }
  return evses.map((e) => {
    const ledgerTransactionId = e.transactionId === undefined ? null : ids.get(e.transactionId) ?? null;
    return ledgerTransactionId === null ? { ...e } : { ...e, ledgerTransactionId };
  });
}
