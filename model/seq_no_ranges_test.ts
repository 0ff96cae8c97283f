import { assertEquals } from "@std/assert";
import { hasSeqNo, MAX_SEQ_NO_RANGES, rangesOf, type SeqNoRanges, withSeqNo } from "./seq_no_ranges.ts";

Deno.test("withSeqNo() keeps seqNos as joined ranges, in any order of arrival", () => {
  assertEquals(withSeqNo([], 0), [[0, 0]]);
  assertEquals(withSeqNo([[0, 4]], 5), [[0, 5]]);
  assertEquals(withSeqNo([[0, 4]], 7), [[0, 4], [7, 7]]);
  assertEquals(withSeqNo([[0, 4], [7, 7]], 6), [[0, 4], [6, 7]]);
  assertEquals(withSeqNo([[0, 4], [6, 7]], 5), [[0, 7]]);
  assertEquals(withSeqNo([[2, 4]], 0), [[0, 0], [2, 4]]);
  assertEquals(withSeqNo([[0, 4]], 3), [[0, 4]], "one already there changes nothing");
  const input: [number, number][] = [[0, 1]];
  withSeqNo(input, 2);
  assertEquals(input, [[0, 1]], "the input is not changed");
});

Deno.test("a session of 20,000 events in order is one range; rangesOf() reads a list of seqNos", () => {
  let ranges = rangesOf([]);
  for (let seqNo = 0; seqNo < 20_000; seqNo++) ranges = withSeqNo(ranges, seqNo);
  assertEquals(ranges, [[0, 19_999]]);
  assertEquals([hasSeqNo(ranges, 0), hasSeqNo(ranges, 19_999), hasSeqNo(ranges, 20_000)], [
    true,
    true,
    false,
  ]);
  assertEquals(rangesOf([5, 0, 1, 2, 9, 8]), [[0, 2], [5, 5], [8, 9]]);
});

Deno.test("withSeqNo() joins the two closest ranges past MAX_SEQ_NO_RANGES", () => {
  let ranges: SeqNoRanges = [];
  for (let i = 0; i < MAX_SEQ_NO_RANGES; i++) ranges = withSeqNo(ranges, i * 10);
  assertEquals(ranges.length, MAX_SEQ_NO_RANGES);
  // 10 * MAX + 3 is 3 above the last range: that gap is the smallest, so those two are joined.
  const last = (MAX_SEQ_NO_RANGES - 1) * 10;
  const next = withSeqNo(ranges, last + 3);
  assertEquals(next.length, MAX_SEQ_NO_RANGES);
  assertEquals(next.at(-1), [last, last + 3]);
  assertEquals(hasSeqNo(next, last + 1), true);
  assertEquals(hasSeqNo(next, 5), false);
});
