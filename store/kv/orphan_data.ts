/**
 * An orphan stop's transactionData on KV, when too large for its record: a StopTransaction for an unknown id
 * may carry a whole session's readings (1,500 samples are ~200 KB), and a KV value holds at most 64 KiB. The
 * record then keeps `transactionData: null` and a count, and the data goes, as JSON cut in pieces, under
 * `["orphan_td", ...orphan key tail, i]`, written in the same commit (before the record, when the commit is
 * split) and read back with it.
 */
import type { OrphanStopRecord } from "../../model/transaction.ts";

/** An orphan stop as KV stores it. */
type StoredOrphan = OrphanStopRecord & { transactionDataChunks?: number };

/** transactionData up to this many JSON characters stays in the record. */
const INLINE_CHARS = 16_000;
/** Characters a piece holds: under 64 KiB even at two bytes a character. */
const CHUNK_CHARS = 30_000;

/** The keys of the pieces of the data of the orphan stop under `orphanKey` start with this. */
const orphanDataPrefix = (orphanKey: Deno.KvKey): Deno.KvKey => ["orphan_td", ...orphanKey.slice(1)];

/** The key of piece `i` of the data of the orphan stop under `orphanKey`. */
export function orphanDataKey(orphanKey: Deno.KvKey, i: number): Deno.KvKey {
  return [...orphanDataPrefix(orphanKey), i];
}

/** The record to store for `orphan`, and the pieces of its data to store beside it (none when it fits). */
export function orphanApart(orphan: OrphanStopRecord): { record: StoredOrphan; chunks: string[] } {
  if (orphan.transactionData === null) return { record: orphan, chunks: [] };
  const json = JSON.stringify(orphan.transactionData);
  if (json.length <= INLINE_CHARS) return { record: orphan, chunks: [] };
  const chunks: string[] = [];
  for (let i = 0; i < json.length; i += CHUNK_CHARS) chunks.push(json.slice(i, i + CHUNK_CHARS));
  return { record: { ...orphan, transactionData: null, transactionDataChunks: chunks.length }, chunks };
}

/** `records` as listed, each with its data read back from its pieces. */
export async function withOrphanData(
  kv: Deno.Kv,
  records: readonly StoredOrphan[],
  keyOf: (orphan: OrphanStopRecord) => Deno.KvKey,
): Promise<OrphanStopRecord[]> {
  return await Promise.all(records.map(async (stored) => {
    const { transactionDataChunks: count, ...record } = stored;
    if (count === undefined) return record;
    const pieces: string[] = [];
    for await (const entry of kv.list<string>({ prefix: orphanDataPrefix(keyOf(record)) })) {
      pieces[entry.key.at(-1) as number] = entry.value;
    }
    return { ...record, transactionData: JSON.parse(pieces.slice(0, count).join("")) as unknown[] };
  }));
}
