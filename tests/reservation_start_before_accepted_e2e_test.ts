/**
 * OCPP 1.6 §5.13: a station may take a reservation and its holder may start on it (StartTransaction naming its
 * reservationId) before the station's Accepted to the ReserveNow reaches us. Used, it holds nothing: once the
 * session stopped, another driver's remote start and StartTransaction on that connector go through, and the
 * station's record (`GET /charge-points/{id}`) lists no reservation. Three orders: the start before the Accepted,
 * after it, and after the ReserveNow timed out with the Accepted coming late. A raw `ws` 1.6 station; the
 * operator's reservation and remote start over HTTP; KV and PostgreSQL.
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
import { bootedRawStation, rawAnswer, type RawSocket } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const CP = "CP-RSVSTART";
const withoutPostgres = await ignoreWithoutPostgres(
  "1.6 starts before a ReserveNow's Accepted on PostgreSQL",
);

/** OWNER's start on connector 1 naming reservation `id`: its transactionId. */
async function ownerStarts(socket: RawSocket, id: number): Promise<number> {
  const start = await rawAnswer(socket, "StartTransaction", {
    connectorId: 1,
    idTag: "OWNER",
    meterStart: 0,
    reservationId: id,
    timestamp: new Date().toISOString(),
  }) as Json;
  assertEquals(start.idTagInfo.status, "Accepted", JSON.stringify(start));
  return start.transactionId;
}

async function sessionEnds(socket: RawSocket, transactionId: number): Promise<void> {
  await rawAnswer(socket, "StopTransaction", {
    transactionId,
    meterStop: 100,
    timestamp: new Date().toISOString(),
  });
  await rawAnswer(socket, "StatusNotification", {
    connectorId: 1,
    errorCode: "NoError",
    status: "Available",
  });
}

/** After the session: nothing of the used reservation holds the connector, for a remote start or a start. */
async function connectorFreeForOthers(server: ApiTestServer, socket: RawSocket, id: number, when: string) {
  const start = server.json(`/api/v1/charge-points/${CP}/RemoteStartTransaction`, {
    method: "POST",
    as: "operator",
    body: { connectorId: 1, idTag: "STRANGER" },
  });
  await callReachesStation(socket, start, "RemoteStartTransaction", when);
  const record = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
  assertEquals(record.body.reservations, [], `${when}: the station's record`);
  const other = await rawAnswer(socket, "StartTransaction", {
    connectorId: 1,
    idTag: "STRANGER",
    meterStart: 100,
    timestamp: new Date().toISOString(),
  }) as Json;
  assertEquals(other.idTagInfo.status, "Accepted", `${when}: ${JSON.stringify(other)}`);
  await ledgerHasUsed(server, id, when);
}

for (const [answer, order] of Object.entries(ANSWER_ORDERS) as [AnswerOrder, string][]) {
  reservationTestOnBothStores(
    {
      withoutPostgres,
      callTimeoutMs: answer === "late" ? 300 : 10_000,
      station: (s) => bootedRawStation(`${s.wsUrl}/${CP}`),
    },
    `a 1.6 reservation its holder started on ${order} holds the connector no more once the session ends`,
    `rsv2_start_${{ before: "early", after: "late", late: "timed_out" }[answer]}`,
    async (server, socket) => {
      const { id, accept } = await reservationAsked(server, socket, CP, answer);
      if (answer === "after") await accept();
      const transactionId = await ownerStarts(socket, id);
      if (answer !== "after") await accept();
      await sessionEnds(socket, transactionId);
      await connectorFreeForOthers(server, socket, id, order);
    },
  );
}
