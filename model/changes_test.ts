import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { changesTime, checkStation, isEmpty, mergeChanges, untilCommitted } from "./changes.ts";

const ENTRY = {
  chargePointId: "CP-1",
  connectorId: 1,
  status: "Available" as const,
  errorCode: "NoError" as const,
  timestamp: "2026-05-01T10:00:00.000Z",
  receivedAt: "2026-05-01T10:00:01.000Z",
};

Deno.test("isEmpty() is true only when nothing at all is written", () => {
  assertEquals(isEmpty({ chargePointId: "CP-1" }), true);
  assertEquals(isEmpty({ chargePointId: "CP-1", statusHistory: [], meterValues: [] }), true);
  assertEquals(isEmpty({ chargePointId: "CP-1", lastSeen: ENTRY.receivedAt }), false);
  assertEquals(isEmpty({ chargePointId: "CP-1", snapshot: {} }), false);
});

Deno.test("mergeChanges() appends lists and lets the later snapshot fields win", () => {
  const merged = mergeChanges(
    {
      chargePointId: "CP-1",
      snapshot: { firmwareStatus: "Idle", diagnosticsStatus: "Idle" },
      statusHistory: [ENTRY],
    },
    { snapshot: { firmwareStatus: "Installed" }, statusHistory: [ENTRY], lastSeen: ENTRY.receivedAt },
  );
  assertEquals(merged, {
    chargePointId: "CP-1",
    snapshot: { firmwareStatus: "Installed", diagnosticsStatus: "Idle" },
    statusHistory: [ENTRY, ENTRY],
    lastSeen: ENTRY.receivedAt,
  });
});

Deno.test("checkStation() refuses changes that write about another station", () => {
  checkStation({ chargePointId: "CP-1", statusHistory: [ENTRY] });
  assertThrows(
    () => checkStation({ chargePointId: "CP-2", statusHistory: [ENTRY] }),
    Error,
    'Cannot commit the changes of "CP-2": they write about "CP-1"',
  );
});

Deno.test("changesTime() prefers the snapshot's times, then the first thing written", () => {
  assertEquals(changesTime({ chargePointId: "CP-1", statusHistory: [ENTRY] }), ENTRY.receivedAt);
  assertEquals(
    changesTime({ chargePointId: "CP-1", snapshot: { updatedAt: "X" }, statusHistory: [ENTRY] }),
    "X",
  );
  assertEquals(changesTime({ chargePointId: "CP-1" }), null);
});

Deno.test("untilCommitted() tries again after a conflict and gives up after maxAttempts", async () => {
  let attempts = 0;
  assertEquals(await untilCommitted("x", 3, () => Promise.resolve(++attempts < 3 ? null : "done")), "done");
  assertEquals(attempts, 3);
  await assertRejects(
    () => untilCommitted("Cannot x", 2, () => Promise.resolve(null)),
    Error,
    "Cannot x: still conflicting after 2 attempts",
  );
});
