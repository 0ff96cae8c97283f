import { assertEquals } from "@std/assert";
import { context, fakeLookups, station } from "../fakes.ts";
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
