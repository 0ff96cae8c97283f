/**
 * OCPP 2.0.1 H01: a station may take a reservation and its holder may start on it (TransactionEvent Started
 * naming its reservationId) before the station's Accepted to the ReserveNow reaches us, or after the ReserveNow
 * timed out with the Accepted coming late; here the station sends that answer after the session's Ended. Used,
 * it holds nothing: after the session (and the Started sent again), another driver's RequestStartTransaction
 * and TransactionEvent on that EVSE go through, the station's record (`GET /charge-points/{id}`) lists no
 * reservation and the ledger has it `used`. The station names the id in its Started only (the unit tests name
 * it in every event). A raw `ws` 2.0.1 station; the operator's reservation and remote start over HTTP; KV and
 * PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import {
  ANSWER_ORDERS,
  type AnswerOrder,
  callReachesStation,
  ledgerHasUsed,
  reservationAsked,
  reservationTestOnBothStores,
} from "./helpers/reservation_stores.ts";
import { bootedRaw201Station, rawAnswer, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CP = "CP-RSVSTART201";
const withoutPostgres = await ignoreWithoutPostgres(
  "2.0.1 starts before a ReserveNow's Accepted on PostgreSQL",
);

/** `idToken`'s TransactionEvent of session `transactionId` on EVSE 1; its answer's idTokenInfo status. */
async function transactionEvent(
  socket: RawSocket,
  transactionId: string,
  idToken: string,
  event: {
    eventType: string;
    seqNo: number;
    triggerReason: string;
    timestamp: string;
    reservationId?: number;
  },
): Promise<string> {
  const answer = await rawAnswer(socket, "TransactionEvent", {
    ...event,
    transactionInfo: { transactionId },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken, type: "ISO14443" },
  }) as Json;
  return answer.idTokenInfo?.status;
}

/** The events of OWNER's session on EVSE 1, naming reservation `id` in its Started only (as the spec has it). */
function ownerSession(socket: RawSocket, id: number) {
  const startedAt = Date.now();
  // Each event its own time: a Started sent again carries its first time (a later one starts a new session).
  const event = (eventType: string, seqNo: number, triggerReason: string) =>
    transactionEvent(socket, "TX-OWNER", "OWNER", {
      eventType,
      seqNo,
      triggerReason,
      timestamp: new Date(startedAt + seqNo * 1000).toISOString(),
      ...(eventType === "Started" ? { reservationId: id } : {}),
    });
  return {
    starts: async () => assertEquals(await event("Started", 0, "Authorized"), "Accepted"),
    ends: async () => {
      await event("Updated", 1, "MeterValuePeriodic");
      await event("Ended", 2, "StopAuthorized");
      await rawAnswer(socket, "StatusNotification", {
        timestamp: new Date().toISOString(),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
    },
    /** Its Started sent again (the station did not hear our answer): a replay. */
    replays: async () => assertEquals(await event("Started", 0, "Authorized"), "Accepted"),
  };
}

async function recordHoldsNone(server: ApiTestServer, when: string): Promise<void> {
  const record = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
  assertEquals(record.body.reservations, [], `${when}: the station's record`);
}

/** After the session: nothing of the used reservation holds EVSE 1, for a remote start or a start. */
async function evseFreeForOthers(server: ApiTestServer, socket: RawSocket, id: number, when: string) {
  const start = server.json(`/api/v1/charge-points/${CP}/RequestStartTransaction`, {
    method: "POST",
    as: "operator",
    body: { idToken: { idToken: "STRANGER", type: "Central" }, remoteStartId: 1, evseId: 1 },
  });
  await callReachesStation(socket, start, "RequestStartTransaction", when);
  await recordHoldsNone(server, when);
  const other = await transactionEvent(socket, "TX-STRANGER", "STRANGER", {
    eventType: "Started",
    seqNo: 0,
    triggerReason: "Authorized",
    timestamp: new Date(Date.now() + 5000).toISOString(),
  });
  assertEquals(other, "Accepted", `${when}: STRANGER's start`);
  await ledgerHasUsed(server, id, when);
}

for (const [answer, order] of Object.entries(ANSWER_ORDERS) as [AnswerOrder, string][]) {
  reservationTestOnBothStores(
    {
      withoutPostgres,
      callTimeoutMs: answer === "late" ? 300 : 10_000,
      station: (s) => bootedRaw201Station(`${s.wsUrl}/${CP}`),
    },
    `a 2.0.1 reservation its holder started on ${order} holds the EVSE no more once the session ends`,
    `rsv3_start201_${answer}`,
    async (server, socket) => {
      const { id, accept } = await reservationAsked(server, socket, CP, answer);
      const session = ownerSession(socket, id);
      if (answer === "after") await accept();
      await session.starts();
      if (answer === "after") await recordHoldsNone(server, `${order}, its holder charging`);
      // The station sends its answer after the whole session (it queued it).
      await session.ends();
      if (answer !== "after") await accept();
      await session.replays();
      await evseFreeForOthers(server, socket, id, order);
    },
  );
}
