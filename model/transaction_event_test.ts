import { assertEquals } from "@std/assert";
import { fakeLookups, transaction } from "./fakes.ts";
import { CLOSED_BY_OPERATOR } from "./transaction.ts";
import { decideTransactionEvent, type TransactionEventInput } from "./transaction_event.ts";

function input(fields: Partial<TransactionEventInput> = {}): TransactionEventInput {
  return {
    chargePointId: "CP-1",
    eventType: "Started",
    seqNo: 0,
    stationTransactionId: "TX-1",
    evseId: 1,
    timestamp: "2026-05-01T09:00:00.000Z",
    idToken: "CARD",
    idTokenStatus: "Accepted",
    remoteStartId: null,
    reservationId: null,
    stoppedReason: null,
    energy: { begin: 500, end: null, latest: 500 },
    receivedAt: "2026-05-01T09:00:01.000Z",
    ...fields,
  };
}

Deno.test("decideTransactionEvent() opens a ledger transaction for a new station transaction, superseding the EVSE's", async () => {
  const old = transaction({ transactionId: 7, connectorId: 1 });
  const { outcome, changes } = await decideTransactionEvent(
    input(),
    fakeLookups({ transactions: [old], nextId: 20 }),
  );
  assertEquals(outcome.outcome, "applied");
  assertEquals(outcome.transaction?.transactionId, 20);
  assertEquals(outcome.transaction?.stationTransactionId, "TX-1");
  assertEquals([outcome.transaction?.meterStart, outcome.transaction?.seqNoRanges], [500, [[0, 0]]]);
  assertEquals(changes.transactionsStarted?.length, 1);
  assertEquals(changes.transactionUpdates, [{
    transaction: { ...old, status: "superseded", supersededBy: 20 },
    expectedStatus: "active",
  }]);
});

Deno.test("decideTransactionEvent() changes nothing for a stored seqNo, and records a new one in any order", async () => {
  const stored = transaction({ transactionId: 20, stationTransactionId: "TX-1", seqNos: [0, 2] });
  const lookups = fakeLookups({ transactions: [stored] });
  const replay = await decideTransactionEvent(input({ eventType: "Updated", seqNo: 2 }), lookups);
  assertEquals([replay.outcome.outcome, replay.changes], ["replayed", {}]);
  const late = await decideTransactionEvent(input({ eventType: "Updated", seqNo: 1, evseId: null }), lookups);
  // A record written before ranges (every seqNo listed) is written back as ranges.
  const updated = late.changes.transactionUpdates?.[0]?.transaction;
  assertEquals([updated?.seqNoRanges, updated?.seqNos], [[[0, 2]], undefined]);
  assertEquals(late.changes.transactionUpdates?.[0]?.expectedStatus, "active");
});

Deno.test("decideTransactionEvent() stores an Ended that comes first as finished, and its late Started fills the start", async () => {
  const ended = await decideTransactionEvent(
    input({
      eventType: "Ended",
      seqNo: 3,
      idToken: null,
      idTokenStatus: null,
      timestamp: "2026-05-01T10:00:00.000Z",
      energy: { begin: null, end: 9000, latest: 9000 },
    }),
    fakeLookups({ nextId: 30 }),
  );
  const tx = ended.outcome.transaction!;
  // Its reading is the stop's: the start's stays unknown, and so does the energy, until an earlier one comes.
  assertEquals([tx.status, tx.meterStop, tx.energyWh, tx.meterStartUnknown, tx.stopReason], [
    "finished",
    9000,
    null,
    true,
    "Local",
  ]);
  assertEquals(ended.changes.transactionUpdates, []);
  const started = await decideTransactionEvent(input(), fakeLookups({ transactions: [tx] }));
  const filled = started.changes.transactionUpdates?.[0]?.transaction;
  assertEquals([filled?.status, filled?.meterStart, filled?.energyWh, filled?.idTag], [
    "finished",
    500,
    8500,
    "CARD",
  ]);
  assertEquals(filled?.startTimestamp, "2026-05-01T09:00:00.000Z");
  assertEquals(filled?.meterStartUnknown, undefined);
});

Deno.test("decideTransactionEvent(): Ended first, then an Updated reading, then a Started without one", async () => {
  const base = { idToken: null, idTokenStatus: null };
  const ended = await decideTransactionEvent(
    input({ ...base, eventType: "Ended", seqNo: 2, energy: { begin: null, end: 5000, latest: 5000 } }),
    fakeLookups({ nextId: 31 }),
  );
  const updated = await decideTransactionEvent(
    input({ ...base, eventType: "Updated", seqNo: 1, energy: { begin: null, end: null, latest: 2000 } }),
    fakeLookups({ transactions: [ended.outcome.transaction!] }),
  );
  const started = await decideTransactionEvent(
    input({ eventType: "Started", seqNo: 0, energy: { begin: null, end: null, latest: null } }),
    fakeLookups({ transactions: [updated.outcome.transaction!] }),
  );
  const tx = started.outcome.transaction!;
  assertEquals([tx.meterStart, tx.meterStop, tx.energyWh, tx.meterStartUnknown], [
    2000,
    5000,
    3000,
    undefined,
  ]);
});

Deno.test("decideTransactionEvent() cannot place a first event without an EVSE", async () => {
  const { outcome, changes } = await decideTransactionEvent(
    input({ eventType: "Updated", evseId: null }),
    fakeLookups(),
  );
  assertEquals([outcome.outcome, changes], ["unplaced", {}]);
});

Deno.test("decideTransactionEvent() leaves the energy unknown when the start's reading is above the end's", async () => {
  const ended = await decideTransactionEvent(
    input({ eventType: "Ended", seqNo: 3, energy: { begin: null, end: 9000, latest: 9000 } }),
    fakeLookups({ nextId: 30 }),
  );
  const started = await decideTransactionEvent(
    input({ energy: { begin: 9500, end: null, latest: 9500 } }),
    fakeLookups({ transactions: [ended.outcome.transaction!] }),
  );
  const filled = started.changes.transactionUpdates?.[0]?.transaction;
  assertEquals([filled?.meterStart, filled?.meterStop, filled?.energyWh], [9500, 9000, null]);
});

Deno.test("decideTransactionEvent(): a start without a reading takes the first later one; ended without, energy unknown", async () => {
  const none = { begin: null, end: null, latest: null };
  const opened = await decideTransactionEvent(input({ energy: none }), fakeLookups({ nextId: 40 }));
  const tx = opened.outcome.transaction!;
  assertEquals([tx.meterStart, tx.meterStartUnknown], [0, true]);
  // Ended with only the stop reading (the meter's lifetime register): the energy is not known.
  const ended = await decideTransactionEvent(
    input({ eventType: "Ended", seqNo: 1, energy: { begin: null, end: 123456, latest: 123456 } }),
    fakeLookups({ transactions: [tx] }),
  );
  const stopped = ended.changes.transactionUpdates?.[0]?.transaction;
  assertEquals([stopped?.meterStop, stopped?.energyWh, stopped?.meterStartUnknown], [123456, null, true]);
  // An Updated reading first: it stands in for the start, and the energy counts from it.
  const updated = await decideTransactionEvent(
    input({ eventType: "Updated", seqNo: 1, energy: { begin: null, end: null, latest: 120000 } }),
    fakeLookups({ transactions: [tx] }),
  );
  const sampled = updated.changes.transactionUpdates![0]!.transaction;
  assertEquals([sampled.meterStart, sampled.meterStartUnknown], [120000, undefined]);
  const done = await decideTransactionEvent(
    input({ eventType: "Ended", seqNo: 2, energy: { begin: null, end: 123456, latest: 123456 } }),
    fakeLookups({ transactions: [sampled] }),
  );
  assertEquals(done.changes.transactionUpdates?.[0]?.transaction.energyWh, 3456);
});

Deno.test("decideTransactionEvent(): the station's Ended replaces an operator's close by hand, and only that", async () => {
  const byHand = transaction({
    transactionId: 20,
    stationTransactionId: "TX-1",
    seqNoRanges: [[0, 0]],
    meterStart: 500,
    status: "finished",
    meterStop: 900,
    stopTimestamp: "2026-05-01T09:30:00.000Z",
    stopReason: CLOSED_BY_OPERATOR,
    energyWh: 400,
  });
  const ended = input({
    eventType: "Ended",
    seqNo: 1,
    evseId: null,
    timestamp: "2026-05-01T10:00:00.000Z",
    stoppedReason: "EVDisconnected",
    energy: { begin: null, end: 2_500, latest: 2_500 },
  });
  const replaced = await decideTransactionEvent(ended, fakeLookups({ transactions: [byHand] }));
  const done = replaced.changes.transactionUpdates?.[0];
  assertEquals(
    [done?.transaction.meterStop, done?.transaction.stopTimestamp, done?.transaction.stopReason],
    [2_500, "2026-05-01T10:00:00.000Z", "EVDisconnected"],
  );
  assertEquals([done?.transaction.energyWh, done?.expectedStatus], [2_000, "finished"]);
  // A station's own end stands: another Ended (firmware ending twice) records its seqNo only.
  const again = await decideTransactionEvent(
    input({ ...ended, seqNo: 2, energy: { begin: null, end: 3_000, latest: 3_000 } }),
    fakeLookups({ transactions: [done!.transaction] }),
  );
  assertEquals(again.changes.transactionUpdates?.[0]?.transaction.meterStop, 2_500);
});

Deno.test("decideTransactionEvent(): a Started timed before the events a session was first heard from is its own late start; one timed after begins a new session", async () => {
  // First heard from an Updated at 09:05 (its Started still queued at the station).
  const updated = await decideTransactionEvent(
    input({ eventType: "Updated", seqNo: 1, timestamp: "2026-05-01T09:05:00.000Z" }),
    fakeLookups({ nextId: 20 }),
  );
  const stored = updated.outcome.transaction!;
  const lookups = fakeLookups({ transactions: [stored], nextId: 21 });
  const late = await decideTransactionEvent(input(), lookups);
  assertEquals(late.outcome.transaction?.transactionId, 20);
  assertEquals(late.outcome.transaction?.startTimestamp, "2026-05-01T09:00:00.000Z");
  // A Started at 09:05 too (a station without a clock) is taken as the same session's.
  const alike = await decideTransactionEvent(input({ timestamp: "2026-05-01T09:05:00.000Z" }), lookups);
  assertEquals(alike.outcome.transaction?.transactionId, 20);
  // Later than the session's start, though it never ended: a new session under the id (its seqNo 0 is new too).
  const again = await decideTransactionEvent(
    input({ seqNo: 1, timestamp: "2026-05-01T10:00:00.000Z", evseId: 2 }),
    lookups,
  );
  assertEquals(
    [again.outcome.transaction?.transactionId, again.outcome.transaction?.stationIdReuse],
    [21, 1],
  );
});

Deno.test("decideTransactionEvent(): a late reading that moves an implausible stop replaces its flag, or clears it once plausible", async () => {
  const started = await decideTransactionEvent(
    input({ energy: { begin: 5_000, end: null, latest: 5_000 } }),
    fakeLookups({ nextId: 40 }),
  );
  // The Ended's reading is below the start's (meter_backwards): flagged.
  const ended = await decideTransactionEvent(
    input({
      eventType: "Ended",
      seqNo: 2,
      timestamp: "2026-05-01T09:30:00.000Z",
      energy: { begin: null, end: 4_000, latest: 4_000 },
    }),
    fakeLookups({ transactions: [started.outcome.transaction!] }),
  );
  assertEquals(ended.changes.transactionFlags?.map((f) => f.details.reason), ["meter_backwards"]);
  const finished = ended.outcome.transaction!;
  const late = (reading: number) =>
    decideTransactionEvent(
      input({
        eventType: "Updated",
        seqNo: 1,
        timestamp: "2026-05-01T09:20:00.000Z",
        energy: { begin: null, end: null, latest: reading },
      }),
      fakeLookups({ transactions: [finished] }),
    );
  const plausible = await late(6_000);
  assertEquals(plausible.changes.transactionUpdates?.[0]?.transaction.energyWh, 1_000);
  assertEquals([plausible.changes.transactionFlags, plausible.changes.transactionFlagsCleared], [undefined, [
    { transactionId: 40, kind: "implausible_energy", chargePointId: "CP-1" },
  ]]);
  const leap = await late(1e12);
  assertEquals(leap.changes.transactionFlags?.map((f) => [f.details.reason, f.details.meterStop]), [[
    "above_max_power",
    1e12,
  ]]);
  assertEquals(leap.changes.transactionFlagsCleared, undefined);
});
