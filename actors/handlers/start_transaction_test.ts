import { assertEquals, assertRejects } from "@std/assert";
import { OcppError } from "../../protocol/ocppj/errors.ts";
import { MAX_CONNECTOR_ID } from "./bounds.ts";
import { charging, context, fakeLookups, NOW, station, transaction } from "./fakes.ts";
import { startTransaction } from "./start_transaction.ts";

const AT = NOW.toISOString();
const TAG = { idTag: "TAG-1", status: "Accepted" as const, expiryDate: null, parentIdTag: null };
const START = { connectorId: 1, idTag: "TAG-1", meterStart: 2000, timestamp: "2026-05-01T09:59:30Z" };

Deno.test("startTransaction() starts a transaction with a fresh id, attaches it to the connector and answers it", async () => {
  const ctx = context({ lookups: fakeLookups({ idTags: [TAG], nextId: 41 }) });
  const result = await startTransaction(station(), START, ctx);
  assertEquals(result.response, { transactionId: 41, idTagInfo: { status: "Accepted" } });
  const started = result.changes?.transactionsStarted?.[0];
  assertEquals([started?.transactionId, started?.status, started?.startTimestamp, started?.createdAt], [
    41,
    "active",
    "2026-05-01T09:59:30.000Z",
    AT,
  ]);
  assertEquals(result.changes?.transactionUpdates, []);
  assertEquals(result.changes?.snapshot?.connectors?.map((c) => [c.connectorId, c.transactionId]), [[1, 41]]);
  assertEquals(result.events?.map((e) => e.type), ["transaction"]);
});

Deno.test("startTransaction() keeps the transaction of an unknown idTag, answers Invalid and tells the tag once", async () => {
  const result = await startTransaction(station(), START, context());
  assertEquals(result.response.idTagInfo.status, "Invalid");
  assertEquals(result.changes?.transactionsStarted?.[0]?.startIdTagStatus, "Invalid");
  assertEquals(result.events?.map((e) => e.type), ["transaction", "unknownIdTag"]);
  // Its replay (the station did not hear the answer) was told the first time.
  const stored = transaction({
    transactionId: 5,
    meterStart: 2000,
    startTimestamp: "2026-05-01T09:59:30.000Z",
    startIdTagStatus: "Invalid",
  });
  const replay = await startTransaction(
    station(),
    START,
    context({ lookups: fakeLookups({ transactions: [stored] }) }),
  );
  assertEquals(replay.response.transactionId, 5);
  assertEquals(replay.events?.map((e) => e.type), ["transaction"]);
});

Deno.test("startTransaction() supersedes the active transaction on the connector, guarded by its status", async () => {
  const old = transaction({ transactionId: 7 });
  const before = charging(7);
  const ctx = context({ lookups: fakeLookups({ idTags: [TAG], transactions: [old], nextId: 8 }) });
  const result = await startTransaction(before, START, ctx);
  assertEquals(result.changes?.transactionUpdates, [{
    transaction: { ...old, status: "superseded", supersededBy: 8 },
    expectedStatus: "active",
  }]);
  assertEquals(result.changes?.snapshot?.connectors?.[0]?.transactionId, 8);
  assertEquals(result.log?.map((l) => l.msg), ["transaction superseded", "transaction started"]);
});

Deno.test("startTransaction() answers a replay with the stored id and status, and starts nothing", async () => {
  const stored = transaction({
    transactionId: 5,
    meterStart: 2000,
    startTimestamp: "2026-05-01T09:59:30.000Z",
    startIdTagStatus: "Blocked",
  });
  const ctx = context({ lookups: fakeLookups({ idTags: [TAG], transactions: [stored] }) });
  const result = await startTransaction(station(), START, ctx);
  assertEquals(result.response, { transactionId: 5, idTagInfo: { status: "Blocked" } });
  assertEquals(result.changes?.transactionsStarted, undefined);
  assertEquals(result.log?.map((l) => l.msg), ["start transaction replayed"]);
});

Deno.test("startTransaction() uses up the reservation it names", async () => {
  const reserved = station({
    reservations: [{ reservationId: 3, connectorId: 1, idTag: "TAG-1", expiryDate: AT, requestedAt: AT }],
  });
  const result = await startTransaction(
    reserved,
    { ...START, reservationId: 3 },
    context({ lookups: fakeLookups({ idTags: [TAG] }) }),
  );
  assertEquals(result.changes?.snapshot?.reservations, []);
  assertEquals(result.changes?.transactionsStarted?.[0]?.reservationId, 3);
  assertEquals(result.reservationsEnded, [3]);
});

Deno.test("startTransaction() uses the reservation it names that a ReserveNow still waiting for its answer asked for, its holder's only", async () => {
  const later = "2026-05-01T11:00:00.000Z";
  const asked = (
    idTag: string,
  ) => [{ reservationId: 3, connectorId: 1, idTag, expiryDate: later, requestedAt: AT }];
  const start = (idTag: string, reservationId?: number) =>
    startTransaction(
      station(),
      { ...START, ...(reservationId === undefined ? {} : { reservationId }) },
      context({ lookups: fakeLookups({ idTags: [TAG] }), reservationsAsked: asked(idTag) }),
    );
  const used = await start("TAG-1", 3);
  // The snapshot does not hold it yet: the shell remembers the id, so its Accepted holds nothing.
  assertEquals([used.changes?.snapshot?.reservations, used.reservationsEnded], [undefined, [3]]);
  assertEquals((await start("OWNER", 3)).reservationsEnded, undefined);
  assertEquals((await start("TAG-1")).reservationsEnded, undefined);
});

Deno.test("startTransaction() leaves a reservation named for another tag, answering the tag's own standing", async () => {
  const later = "2026-05-01T11:00:00.000Z";
  const owners = { reservationId: 3, connectorId: 1, idTag: "OWNER", expiryDate: later, requestedAt: AT };
  const result = await startTransaction(
    station({ reservations: [owners] }),
    { ...START, reservationId: 3 },
    context({ lookups: fakeLookups({ idTags: [TAG] }) }),
  );
  assertEquals(result.response.idTagInfo, { status: "Accepted" });
  assertEquals(result.changes?.transactionsStarted?.[0]?.reservationId, 3);
  assertEquals(result.changes?.snapshot?.reservations, undefined);
  assertEquals(result.log?.[0]?.msg, "start names a reservation its id tag does not hold: not used");
});

Deno.test("startTransaction() by a tag of the reservation's parent uses it without naming it", async () => {
  const later = "2026-05-01T11:00:00.000Z";
  const fleets = {
    reservationId: 3,
    connectorId: 1,
    idTag: "OWNER",
    parentIdTag: "FLEET",
    expiryDate: later,
    requestedAt: AT,
  };
  const child = { ...TAG, parentIdTag: "FLEET" };
  const result = await startTransaction(
    station({ reservations: [fleets] }),
    START,
    context({ lookups: fakeLookups({ idTags: [child] }) }),
  );
  assertEquals(result.changes?.snapshot?.reservations, []);
});

Deno.test("startTransaction() refuses connector 0 and a connector beyond the highest we keep", async () => {
  for (const bad of [{ ...START, connectorId: 0 }, { ...START, connectorId: MAX_CONNECTOR_ID + 1 }]) {
    const error = await assertRejects(
      () => Promise.resolve(startTransaction(station(), bad, context())),
      OcppError,
    );
    assertEquals((error as OcppError).code, "PropertyConstraintViolation");
  }
});
