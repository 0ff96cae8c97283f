/**
 * The start time pointers of a KV file written before they existed (`["tx_t", startTimestamp, id]`, keys.ts):
 * set once at open for every transaction, as they are listed, in atomics of many (a file may hold millions),
 * then a marker. No checks: a writer that starts a transaction meanwhile writes the same pointer, and one a
 * 2.0.1 Started event moved meanwhile may leave its old pointer behind: lists read each id once and check
 * each record against their filter, so it costs them a read.
 */
import type { TransactionRecord } from "../../model/transaction.ts";
import { startTimeKey } from "./keys.ts";
import { AtomicBatches } from "./kv_helpers.ts";

const START_TIMES_INDEXED: Deno.KvKey = ["meta", "tx_time_keys"];

/** Pointers set per atomic (KV takes 1,000 mutations an atomic). */
const POINTERS_PER_ATOMIC = 500;

export async function indexStartTimes(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(START_TIMES_INDEXED)).value === true) return;
  const batches = new AtomicBatches(kv, POINTERS_PER_ATOMIC);
  for await (const entry of kv.list<TransactionRecord>({ prefix: ["tx"] }, { batchSize: 500 })) {
    const { startTimestamp, transactionId } = entry.value;
    await batches.add((op) => op.set(startTimeKey(startTimestamp, transactionId), transactionId));
  }
  await batches.flush();
  await kv.set(START_TIMES_INDEXED, true);
}
