import { assertEquals } from "@std/assert";
import {
  epochAfterWrite,
  protocolErrorsEpochOf,
  protocolErrorsOnWrite,
  withoutFirst,
  withProtocolErrorsEpoch,
} from "./protocol_errors_base.ts";

const errors = (count: number) => ({ count, lastAt: "2026-01-01T00:00:00.000Z", lastProblem: "x" });

Deno.test("protocolErrorsOnWrite() writes errors as counted unless a clear moved the epoch since their base", () => {
  assertEquals(protocolErrorsOnWrite(errors(5), { epoch: 2, count: 3 }, 2), errors(5));
  assertEquals(protocolErrorsOnWrite(errors(5), { epoch: 1, count: 3 }, 2), errors(2));
  assertEquals(protocolErrorsOnWrite(errors(3), { epoch: 1, count: 3 }, 2), null);
  // A clear clears whatever its base.
  assertEquals(protocolErrorsOnWrite(null, { epoch: 1, count: 3 }, 2), null);
});

Deno.test("epochAfterWrite() moves the epoch on a clear only", () => {
  assertEquals(epochAfterWrite(null, 4), 5);
  assertEquals(epochAfterWrite(errors(1), 4), 4);
  assertEquals(epochAfterWrite(undefined, 4), 4);
});

Deno.test("withoutFirst() drops that many from the count, null when none is left", () => {
  assertEquals(withoutFirst(errors(4), 1), errors(3));
  assertEquals(withoutFirst(errors(4), 4), null);
  assertEquals(withoutFirst(errors(4), 0), errors(4));
  assertEquals(withoutFirst(null, 2), null);
});

Deno.test("a record's stored epoch is read back but never listed, sent or compared", () => {
  const record = withProtocolErrorsEpoch({ id: "CP-1" }, 3);
  assertEquals(protocolErrorsEpochOf(record), 3);
  assertEquals(JSON.stringify(record), '{"id":"CP-1"}');
  assertEquals(protocolErrorsEpochOf({ ...record }), 0);
  assertEquals(protocolErrorsEpochOf(null), 0);
});
