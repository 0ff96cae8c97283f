/**
 * The fixture of the one-server reservation tests that run on both stores (the reservation stores differ): a
 * server with a short CALL_TIMEOUT_MS, the id tags OWNER and STRANGER, and a raw station booted on it.
 *
 * @example
 * ```ts ignore
 * const fixture = { withoutPostgres, callTimeoutMs: 300, station: (s) => bootedRawStation(`${s.wsUrl}/CP-1`) };
 * reservationTestOnBothStores(fixture, "a reservation is made", "rsv_made", async (server, socket) => {});
 * ```
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./api.ts";
import { eventually } from "./server.ts";
import { type StoreKind, withApiServer } from "./api_on_store.ts";
import type { RawSocket } from "./station.ts";

export interface ReservationStoresFixture {
  /** `ignoreWithoutPostgres`'s answer: the PostgreSQL test is ignored. */
  withoutPostgres: boolean;
  callTimeoutMs: number;
  /** The station, booted on the server (closed after the test). */
  station: (server: ApiTestServer) => Promise<RawSocket>;
}

/**
 * `body` on KV and on PostgreSQL (two tests named `name (KV)` / `name (PostgreSQL)`, the database prefixed
 * `database`): a server with `fixture.callTimeoutMs`, the tags OWNER and STRANGER, and the station booted on it.
 */
export function reservationTestOnBothStores(
  fixture: ReservationStoresFixture,
  name: string,
  database: string,
  body: (server: ApiTestServer, socket: RawSocket) => Promise<void>,
): void {
  const run = (kind: StoreKind) =>
    withApiServer(
      kind,
      async (server) => {
        for (const idTag of ["OWNER", "STRANGER"]) {
          assertEquals(
            (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status,
            201,
          );
        }
        const socket = await fixture.station(server);
        try {
          await body(server, socket);
        } finally {
          await socket.close();
        }
      },
      { CALL_TIMEOUT_MS: String(fixture.callTimeoutMs) },
      {},
      `${database}_${kind}`,
    );
  Deno.test(`${name} (KV)`, () => run("kv"));
  Deno.test({ name: `${name} (PostgreSQL)`, ignore: fixture.withoutPostgres, fn: () => run("postgres") });
}

/**
 * `start` (an operator's remote start for another driver) reaches the station's socket as the CALL `action`
 * (not refused 409 "reserved"); the station answers Rejected and the operator gets 200.
 */
export async function callReachesStation(
  socket: RawSocket,
  start: Promise<{ status: number; body: unknown }>,
  action: string,
  when: string,
): Promise<void> {
  const sent = await Promise.race([
    socket.next(5000) as Promise<unknown[]>,
    start.then((res) => [`answered ${res.status} before any CALL: ${JSON.stringify(res.body)}`]),
  ]);
  assertEquals(sent[2], action, `${when}: ${sent[0]}`);
  socket.send(JSON.stringify([3, sent[1], { status: "Rejected" }]));
  assertEquals((await start).status, 200);
}

/** An operator's reservation of connector 1 of `chargePointId` for OWNER, an hour long (its ReserveNow goes out). */
export function reserveForOwner(server: ApiTestServer, chargePointId: string) {
  return server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: {
      chargePointId,
      connectorId: 1,
      idTag: "OWNER",
      expiryDate: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
}

/** The late Accepted to ReserveNow `id` (1.6 `reservationId`, 2.0.1 `id`) is written on the command's row. */
export async function lateAcceptStored(
  server: ApiTestServer,
  chargePointId: string,
  id: number,
): Promise<void> {
  await eventually(
    async () => {
      const rows = (await server.json(`/api/v1/charge-points/${chargePointId}/commands`)).body.items as {
        action: string;
        payload?: { id?: number; reservationId?: number };
        lateAnswer?: { response?: { status?: string } };
      }[];
      return rows.some((r) =>
        r.action === "ReserveNow" && (r.payload?.id ?? r.payload?.reservationId) === id &&
        r.lateAnswer?.response?.status === "Accepted"
      );
    },
    5000,
    "the late Accepted on its row",
  );
}

/** When the station's Accepted to the operator's ReserveNow comes, against its holder's start. */
export const ANSWER_ORDERS = {
  before: "before the station's Accepted reached us",
  after: "after its Accepted",
  late: "after the ReserveNow timed out, its Accepted coming late",
} as const;
export type AnswerOrder = keyof typeof ANSWER_ORDERS;

/**
 * An operator's reservation for OWNER (`reserveForOwner`) and the station's ReserveNow CALL, not answered yet:
 * its reservation id (1.6 `reservationId`, 2.0.1 `id`) and `accept`, which sends the Accepted and waits until it
 * is recorded (201; for `late`, on the timed-out row, the 504 `held` checked first: give a short CALL_TIMEOUT_MS).
 */
export async function reservationAsked(
  server: ApiTestServer,
  socket: RawSocket,
  chargePointId: string,
  answer: AnswerOrder,
): Promise<{ id: number; accept: () => Promise<void> }> {
  const asked = reserveForOwner(server, chargePointId);
  const call = await socket.next(10_000) as unknown[];
  assertEquals(call[2], "ReserveNow");
  const payload = call[3] as { id?: number; reservationId?: number };
  const id = (payload.id ?? payload.reservationId)!;
  if (answer === "late") {
    const timedOut = await asked;
    assertEquals([timedOut.status, timedOut.body.details?.held], [504, true], JSON.stringify(timedOut.body));
  }
  const accept = async () => {
    socket.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    if (answer === "late") return await lateAcceptStored(server, chargePointId, id);
    const made = await asked;
    assertEquals(made.status, 201, JSON.stringify(made.body));
  };
  return { id, accept };
}

/** Reservation `id` ended in the ledger as `used` (its holder's start used it). */
export async function ledgerHasUsed(server: ApiTestServer, id: number, when: string): Promise<void> {
  const ended = await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
      return body.state !== "active" ? body : null;
    },
    5000,
    `${when}: reservation ${id} ended in the ledger`,
  );
  assertEquals(ended.state, "used");
}
