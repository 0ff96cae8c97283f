import { assertEquals } from "@std/assert";
import type { TransactionRecord } from "../model/transaction.ts";
import { withLedgerIds } from "./evse_transactions.ts";

Deno.test("withLedgerIds() looks each station transaction up once and leaves ids the ledger lacks unlinked", async () => {
  const asked: string[] = [];
  const store = {
    findTransactionByStationId: (_cp: string, id: string) => {
      asked.push(id);
      return Promise.resolve(id === "TX-1" ? { transactionId: 41 } as TransactionRecord : null);
    },
  };
  const at = "2026-11-25T10:00:00.000Z";
  const evses = await withLedgerIds(store, "CP-1", [
    { evseId: 1, connectorId: 1, status: "Occupied", timestamp: at, transactionId: "TX-1" },
    { evseId: 1, connectorId: 2, status: "Available", timestamp: at, transactionId: "TX-1" },
    { evseId: 2, connectorId: 1, status: "Occupied", timestamp: at, transactionId: "TX-LOST" },
    { evseId: 3, connectorId: 1, status: "Available", timestamp: at },
  ]);
  assertEquals(evses.map((e) => e.ledgerTransactionId), [41, 41, undefined, undefined]);
  assertEquals(asked, ["TX-1", "TX-LOST"]);
});
