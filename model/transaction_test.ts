import { assertEquals, assertNotEquals } from "@std/assert";
import { fakeLookups, startInput, transaction } from "./fakes.ts";
import {
  CLOSED_BY_OPERATOR,
  decideStart,
  decideStop,
  energyOfTransaction,
  judgedOnRead,
  orphanStop,
  type StopTransactionInput,
} from "./transaction.ts";

const START = startInput();

const STOP: StopTransactionInput = {
  chargePointId: "CP-1",
  transactionId: 7,
  idTag: null,
  idTagStatus: null,
  meterStop: 1500,
  timestamp: "2026-05-01T10:00:00.000Z",
  reason: null,
  transactionData: null,
  receivedAt: "2026-05-01T10:00:00.100Z",
};

Deno.test("decideStart() of a replay returns the stored transaction and changes nothing", async () => {
  const stored = transaction();
  const { outcome, changes } = await decideStart(START, fakeLookups({ transactions: [stored] }));
  assertEquals(outcome, { transaction: stored, replayed: true, superseded: [], runningSince: null });
  assertEquals(changes, {});
});

Deno.test("decideStart() of a new start takes a fresh id and supersedes only the connector's active one", async () => {
  const active = transaction({ transactionId: 3, meterStart: 10 });
  const finished = transaction({ transactionId: 4, meterStart: 20, status: "finished" });
  const elsewhere = transaction({ transactionId: 5, meterStart: 30, connectorId: 2 });
  const lookups = fakeLookups({ transactions: [active, finished, elsewhere], nextId: 9 });
  const { outcome, changes } = await decideStart(START, lookups);
  assertEquals(outcome.replayed, false);
  assertEquals(outcome.transaction.transactionId, 9);
  assertEquals(outcome.superseded, [{ ...active, status: "superseded", supersededBy: 9 }]);
  assertEquals(changes.transactionsStarted, [outcome.transaction]);
  assertEquals(changes.transactionUpdates, [{
    transaction: outcome.superseded[0]!,
    expectedStatus: "active",
  }]);
});

Deno.test("decideStop() keeps an unknown id, -1 and another station's transaction as orphan stops", async () => {
  const foreign = transaction({ chargePointId: "CP-2" });
  for (const transactionId of [7, -1, 2 ** 40]) {
    const { outcome, changes } = await decideStop(
      { ...STOP, transactionId },
      fakeLookups({ transactions: [foreign] }),
    );
    assertEquals(outcome, { outcome: "orphan", transaction: null });
    assertEquals(changes.orphanStops?.[0]?.transactionId, transactionId);
  }
});

Deno.test("decideStop() of a finished transaction is a replay that changes nothing", async () => {
  const done = transaction({ status: "finished", meterStop: 1500, stopTimestamp: STOP.timestamp });
  assertEquals(await decideStop(STOP, fakeLookups({ transactions: [done] })), {
    outcome: { outcome: "replayed", transaction: done },
    changes: {},
  });
});

Deno.test("decideStop(): a different stop of a finished transaction is kept as an orphan stop, not applied", async () => {
  const done = transaction({ status: "finished", meterStop: 1500, stopTimestamp: STOP.timestamp });
  for (const other of [{ meterStop: 2400 }, { timestamp: "2026-05-01T11:00:00.000Z" }]) {
    const input = { ...STOP, ...other };
    assertEquals(await decideStop(input, fakeLookups({ transactions: [done] })), {
      outcome: { outcome: "conflicting", transaction: done },
      changes: { orphanStops: [orphanStop(input)] },
    });
  }
});

Deno.test("decideStart(): an older start delivered late is stored superseded by the session after it", async () => {
  const running = transaction({
    transactionId: 3,
    meterStart: 10,
    startTimestamp: "2026-05-01T12:00:00.000Z",
  });
  const lookups = fakeLookups({ transactions: [running], nextId: 9 });
  const { outcome, changes } = await decideStart(
    { ...START, timestamp: "2026-05-01T09:00:00.000Z", receivedAt: "2026-05-01T12:30:00.000Z" },
    lookups,
  );
  assertEquals(outcome.superseded, []);
  assertEquals(outcome.runningSince?.transactionId, 3);
  assertEquals([outcome.transaction.status, outcome.transaction.supersededBy], ["superseded", 3]);
  assertEquals(changes, { transactionsStarted: [outcome.transaction] });
});

Deno.test("decideStart(): a session started in our future does not hold the connector against a new start", async () => {
  const received = "2026-05-01T12:00:00.000Z";
  for (
    const [ahead, holds] of [["2026-05-01T12:04:00.000Z", true], ["2027-05-01T12:00:00.000Z", false]] as const
  ) {
    const running = transaction({ transactionId: 3, startTimestamp: ahead });
    const { outcome } = await decideStart(
      { ...START, timestamp: "2026-05-01T11:59:00.000Z", receivedAt: received },
      fakeLookups({ transactions: [running], nextId: 9 }),
    );
    // A clock minutes ahead: the running session started after this one. A year ahead: it is superseded.
    assertEquals(outcome.runningSince?.transactionId ?? null, holds ? 3 : null, ahead);
    assertEquals(outcome.transaction.status, holds ? "superseded" : "active", ahead);
    assertEquals(outcome.superseded.map((t) => t.transactionId), holds ? [] : [3], ahead);
  }
});

Deno.test("decideStop() lets the station's own stop replace an operator's hand close, once", async () => {
  const byHand = transaction({ status: "finished", meterStop: 1200, stopReason: CLOSED_BY_OPERATOR });
  const { outcome, changes } = await decideStop(STOP, fakeLookups({ transactions: [byHand] }));
  assertEquals(outcome.outcome, "stopped");
  assertEquals(outcome.transaction?.meterStop, STOP.meterStop);
  assertEquals(outcome.transaction?.stopReason, STOP.reason);
  assertEquals(changes.transactionUpdates?.[0]?.expectedStatus, "finished");
  // Its replay, against what is stored now, changes nothing.
  const replay = await decideStop(STOP, fakeLookups({ transactions: [outcome.transaction!] }));
  assertEquals(replay.outcome.outcome, "replayed");
  assertEquals(replay.changes, {});
});

Deno.test("decideStop() finishes an active or superseded transaction, guarded by the status it read", async () => {
  for (const status of ["active", "superseded"] as const) {
    const tx = transaction({ status, supersededBy: status === "superseded" ? 8 : null });
    const { outcome, changes } = await decideStop(STOP, fakeLookups({ transactions: [tx] }));
    assertEquals(outcome.outcome, "stopped");
    assertEquals(outcome.transaction?.energyWh, 500);
    assertEquals(outcome.transaction?.supersededBy, tx.supersededBy);
    assertEquals(changes.transactionUpdates?.[0]?.expectedStatus, status);
  }
});

Deno.test("orphanStop() ids are stable for a replay and differ for another stop", () => {
  assertEquals(orphanStop(STOP).id, orphanStop({ ...STOP, receivedAt: "2026-05-02T00:00:00.000Z" }).id);
  assertNotEquals(orphanStop(STOP).id, orphanStop({ ...STOP, meterStop: 1501 }).id);
});

Deno.test("energyOfTransaction() is the stop reading less the start's; unknown before a stop and when the meter went backwards", () => {
  const at = { startTimestamp: START.timestamp, stopTimestamp: START.timestamp, createdAt: START.timestamp };
  const tx = (meterStart: number, meterStop: number | null) => ({
    ...at,
    meterStart,
    meterStop,
    stoppedAt: meterStop === null ? null : START.timestamp,
  });
  assertEquals(energyOfTransaction(tx(1_000, 4_500)), 3_500);
  assertEquals(energyOfTransaction(tx(1_000, 1_000)), 0);
  assertEquals(energyOfTransaction(tx(1_000, null)), null);
  assertEquals(energyOfTransaction(tx(5_000, 4_000)), null);
});

Deno.test("judgedOnRead() keeps a record its readings agree with as it is, and judges one stored before the check", () => {
  const judged = transaction({ meterStart: 1_000, meterStop: 4_500, energyWh: 3_500 });
  assertEquals(judgedOnRead(judged) === judged, true);
  const old = transaction({ meterStart: 9_000, meterStop: 4_000, energyWh: -5_000 });
  assertEquals(judgedOnRead(old), {
    ...old,
    energyWh: null,
    energyImplausible: { reason: "meter_backwards" },
  });
});
