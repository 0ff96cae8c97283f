import { assertEquals } from "@std/assert";
import { context, fakeLookups, reservation, station } from "../fakes.ts";
import { transactionEvent } from "./transaction_event.ts";

const TAG = { idTag: "CARD", status: "Accepted" as const, expiryDate: null, parentIdTag: "GROUP" };

Deno.test("2.0.1 TransactionEvent answers the idToken's status, stores readings in Wh and opens the EVSE", async () => {
  const ctx = context({ lookups: fakeLookups({ idTags: [TAG], nextId: 40 }) });
  const result = await transactionEvent(station(), {
    eventType: "Started",
    seqNo: 0,
    timestamp: "2026-05-01T09:59:00Z",
    triggerReason: "Authorized",
    transactionInfo: { transactionId: "T-1" },
    evse: { id: 2, connectorId: 1 },
    idToken: { idToken: "CARD", type: "ISO14443" },
    meterValue: [{
      timestamp: "2026-05-01T09:59:00Z",
      sampledValue: [{ value: 1.5, context: "Transaction.Begin", unitOfMeasure: { unit: "kWh" } }],
    }],
  }, ctx);
  assertEquals(result.response, {
    idTokenInfo: { status: "Accepted", groupIdToken: { idToken: "GROUP", type: "Central" } },
  });
  assertEquals(result.changes?.transactionsStarted?.[0]?.meterStart, 1500);
  assertEquals(result.changes?.meterValues?.map((r) => [r.connectorId, r.transactionId, r.value, r.unit]), [
    [2, 40, "1.5", "kWh"],
  ]);
  assertEquals(result.changes?.snapshot?.evses, [{
    evseId: 2,
    connectorId: 1,
    status: "Occupied",
    timestamp: "2026-05-01T09:59:00.000Z", // the event's, on the station's clock
    transactionId: "T-1",
    assumed: true, // never reported
  }]);
});

Deno.test("2.0.1 TransactionEvent without an idToken answers an empty payload; an unknown token is Invalid", async () => {
  const ctx = context({ lookups: fakeLookups({ nextId: 1 }) });
  const base = {
    eventType: "Started" as const,
    seqNo: 0,
    timestamp: "2026-05-01T09:59:00Z",
    triggerReason: "CablePluggedIn" as const,
    transactionInfo: { transactionId: "T-2" },
    evse: { id: 1 },
  };
  assertEquals((await transactionEvent(station(), base, ctx)).response, {});
  const unknown = await transactionEvent(station(), {
    ...base,
    idToken: { idToken: "NOPE", type: "Central" },
  }, ctx);
  assertEquals(unknown.response, { idTokenInfo: { status: "Invalid" } });
  const free = await transactionEvent(station(), {
    ...base,
    idToken: { idToken: "", type: "NoAuthorization" },
  }, ctx);
  assertEquals(free.response, { idTokenInfo: { status: "Accepted" } });
});

Deno.test("2.0.1 TransactionEvent tells an unknown idToken with its type once; not its replay, not NoAuthorization", async () => {
  const started = {
    eventType: "Started" as const,
    seqNo: 0,
    timestamp: "2026-05-01T09:59:00Z",
    triggerReason: "Authorized" as const,
    transactionInfo: { transactionId: "T-3" },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken: "NEW-CARD", type: "ISO15693" as const },
  };
  const ctx = context({ lookups: fakeLookups({ nextId: 7 }) });
  const first = await transactionEvent(station(), started, ctx);
  assertEquals(first.events?.map((e) => e.type), ["transaction", "unknownIdTag"]);
  assertEquals(first.events?.[1], {
    type: "unknownIdTag",
    chargePointId: ctx.chargePointId,
    at: ctx.now.toISOString(),
    idTag: "NEW-CARD",
    idTokenType: "ISO15693",
  });
  // The station did not hear the answer and sends the same event again: told the first time.
  const stored = first.changes!.transactionsStarted![0]!;
  const replay = await transactionEvent(
    station(),
    started,
    context({ lookups: fakeLookups({ transactions: [stored] }) }),
  );
  assertEquals(replay.events?.map((e) => e.type), []);
  const free = await transactionEvent(station(), {
    ...started,
    transactionInfo: { transactionId: "T-4" },
    idToken: { idToken: "", type: "NoAuthorization" },
  }, context({ lookups: fakeLookups({ nextId: 8 }) }));
  assertEquals(free.events?.map((e) => e.type), ["transaction"]);
});

Deno.test("2.0.1 TransactionEvent uses the reservation it names that a ReserveNow still waiting for its answer asked for, its holder's only", async () => {
  const asked = (idTag: string) => [{ ...reservation(3, "2026-05-01T11:00:00.000Z"), idTag }];
  const started = (reservationId?: number) => ({
    eventType: "Started" as const,
    seqNo: 0,
    timestamp: "2026-05-01T09:59:00Z",
    triggerReason: "Authorized" as const,
    transactionInfo: { transactionId: "T-R" },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken: "CARD", type: "ISO14443" as const },
    ...(reservationId === undefined ? {} : { reservationId }),
  });
  const start = (idTag: string, reservationId?: number) =>
    transactionEvent(
      station(),
      started(reservationId),
      context({ lookups: fakeLookups({ idTags: [TAG] }), reservationsAsked: asked(idTag) }),
    );
  const used = await start("CARD", 3);
  // The snapshot does not hold it yet: the shell remembers the id, so its Accepted holds nothing.
  assertEquals([used.changes?.snapshot?.reservations, used.reservationsEnded], [undefined, [3]]);
  // Held by its group: used too.
  assertEquals((await start("GROUP", 3)).reservationsEnded, [3]);
  assertEquals((await start("OWNER", 3)).reservationsEnded, undefined);
  assertEquals((await start("CARD")).reservationsEnded, undefined);
  // The snapshot's, used by its holder: remembered as well (a late Accepted after a timeout holds nothing).
  const held = station({ reservations: [{ ...reservation(3, "2026-05-01T11:00:00.000Z"), idTag: "CARD" }] });
  const fromSnapshot = await transactionEvent(
    held,
    started(3),
    context({ lookups: fakeLookups({ idTags: [TAG] }) }),
  );
  assertEquals([fromSnapshot.changes?.snapshot?.reservations, fromSnapshot.reservationsEnded], [[], [3]]);
});

Deno.test("2.0.1 TransactionEvent ends its reservation once: a later event naming it again, or a replay, ends nothing", async () => {
  const made = { ...reservation(3, "2026-05-01T11:00:00.000Z"), idTag: "CARD" };
  const first = await transactionEvent(station(), {
    eventType: "Started",
    seqNo: 0,
    timestamp: "2026-05-01T09:59:00Z",
    triggerReason: "Authorized",
    transactionInfo: { transactionId: "T-R" },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken: "CARD", type: "ISO14443" },
    reservationId: 3,
  }, context({ lookups: fakeLookups({ idTags: [TAG] }), reservationsAsked: [made] }));
  assertEquals(first.reservationsEnded, [3]);
  const stored = first.changes!.transactionsStarted![0]!;
  // A reservation made again under that id (the station holds it now): the session used the first one already.
  const again = (seqNo: number) =>
    transactionEvent(
      station({ reservations: [made] }),
      {
        eventType: "Updated",
        seqNo,
        timestamp: "2026-05-01T10:05:00Z",
        triggerReason: "MeterValuePeriodic",
        transactionInfo: { transactionId: "T-R" },
        evse: { id: 1, connectorId: 1 },
        idToken: { idToken: "CARD", type: "ISO14443" },
        reservationId: 3,
      },
      context({ lookups: fakeLookups({ idTags: [TAG], transactions: [stored] }), reservationsAsked: [made] }),
    );
  const later = await again(1);
  assertEquals([later.changes?.snapshot?.reservations, later.reservationsEnded], [undefined, undefined]);
  const replayed = await again(0);
  assertEquals([replayed.changes?.snapshot, replayed.reservationsEnded], [undefined, undefined]);
});
