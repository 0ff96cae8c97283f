/**
 * The TransactionEvent seqNos stored for an OCPP 2.0.1 transaction, as sorted, disjoint, non-adjacent ranges
 * `[first, last]`: a station numbers a transaction's events 0, 1, 2, ..., so a session of any length is one or
 * a few ranges, where the list of every seqNo grew with each event (a session left plugged in for days at one
 * event a minute passed what a KV value holds, 64 KiB, and every later event of it failed).
 *
 * @example
 * ```ts
 * withSeqNo(withSeqNo([[0, 4]], 6), 5); // [[0, 6]]
 * hasSeqNo([[0, 4], [9, 9]], 9); // true
 * ```
 */
export type SeqNoRanges = [number, number][];

/**
 * The most ranges a transaction keeps. A station numbering its events with gaps (0, 1000, 2000, ...) makes
 * one range per event; past this the two closest ranges are joined, so a record stays a few KB (a seqNo in a
 * joined gap then counts as stored: its event, should it come late, is answered as a replay).
 */
export const MAX_SEQ_NO_RANGES = 256;

/** Whether `seqNo` is in `ranges`. */
export function hasSeqNo(ranges: readonly (readonly [number, number])[], seqNo: number): boolean {
  return ranges.some(([first, last]) => first <= seqNo && seqNo <= last);
}

/**
 * `ranges` with `seqNo` in it (a new list; ranges that touch are joined; past MAX_SEQ_NO_RANGES the two with
 * the smallest gap between them are joined too).
 */
export function withSeqNo(ranges: readonly (readonly [number, number])[], seqNo: number): SeqNoRanges {
  const all = [...ranges, [seqNo, seqNo] as const].sort((x, y) => x[0] - y[0]);
  const out: SeqNoRanges = [];
  for (const [first, last] of all) {
    const tail = out.at(-1);
    if (tail && first <= tail[1] + 1) tail[1] = Math.max(tail[1], last);
    else out.push([first, last]);
  }
  while (out.length > MAX_SEQ_NO_RANGES) {
    let closest = 0;
    for (let i = 1; i < out.length - 1; i++) {
      if (out[i + 1]![0] - out[i]![1] < out[closest + 1]![0] - out[closest]![1]) closest = i;
    }
    out.splice(closest, 2, [out[closest]![0], out[closest + 1]![1]]);
  }
  return out;
}

/** The seqNos a transaction has stored, as ranges, whichever way its record keeps them. */
export function storedSeqNos(
  tx: { seqNoRanges?: SeqNoRanges | undefined; seqNos?: number[] | undefined },
): SeqNoRanges {
  return tx.seqNoRanges ?? rangesOf(tx.seqNos ?? []);
}

/** The ranges of a list of seqNos (how records written before ranges kept them). */
export function rangesOf(seqNos: readonly number[]): SeqNoRanges {
  return seqNos.reduce<SeqNoRanges>((ranges, seqNo) => withSeqNo(ranges, seqNo), []);
}
