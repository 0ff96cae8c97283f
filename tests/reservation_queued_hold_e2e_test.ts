/**
 * An answered CancelReservation lets go only what a timed-out ReserveNow of its id held, never the hold of a
 * ReserveNow of that id still waiting behind it for its answer (an operator cancelling, then reserving again
 * under the same id, which OCPP 1.6 §5.13 lets replace a reservation): while that one is unanswered the
 * station may take it, so a remote start for another tag on its connector is refused. Nor does a ReserveNow
 * in flight that reuses the id of a reservation the station holds (moving it to another connector) let go of
 * that older one: until the station answers Accepted it holds the older, so its connector stays refused to
 * other tags (and stays so when the station refuses the move). A raw `ws` 1.6 station, on KV and PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation } from "./helpers/station.ts";

const CP = "CP-RSVQUEUED";
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/** `promise`'s value, or null when it takes longer than `ms`. */
async function decidedWithin<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function command(server: ApiTestServer, action: string, body: unknown) {
  return server.json(`/api/v1/charge-points/${CP}/${action}`, { method: "POST", as: "operator", body });
}

async function queuedHoldKept(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      for (const idTag of ["OWNER", "STRANGER"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      const socket = await bootedRawStation(`${server.wsUrl}/${CP}`);
      try {
        const cancel = command(server, "CancelReservation", { reservationId: 7 });
        const cancelCall = await socket.next(5000) as unknown[];
        assertEquals(cancelCall[2], "CancelReservation");
        // Queued behind the cancel: held from its turn, as the guards see it.
        const reserve = command(server, "ReserveNow", {
          connectorId: 1,
          idTag: "OWNER",
          reservationId: 7,
          expiryDate: inAnHour(),
        });
        await eventually(
          async () => {
            const view = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
            return view.body.pendingCall?.queued === 1;
          },
          5000,
          "the ReserveNow queued behind the cancel",
        );
        socket.send(JSON.stringify([3, cancelCall[1], { status: "Rejected" }]));
        assertEquals((await cancel).status, 200);
        const reserveCall = await socket.next(5000) as unknown[];
        assertEquals(reserveCall[2], "ReserveNow");

        // Still unanswered: the station may take it, so the connector is not the stranger's.
        const start = command(server, "RemoteStartTransaction", { connectorId: 1, idTag: "STRANGER" });
        const decided = await decidedWithin(start, 2000);
        socket.send(JSON.stringify([3, reserveCall[1], { status: "Accepted" }]));
        assertEquals((await reserve).status, 200);
        if (decided === null) {
          // Sent past the guard (the failure this test is about): let it finish before failing.
          const startCall = await socket.next(5000) as unknown[];
          socket.send(JSON.stringify([3, startCall[1], { status: "Accepted" }]));
          await start;
        }
        assertEquals(decided?.status, 409, JSON.stringify(decided?.body ?? "sent to the station"));
      } finally {
        await socket.close();
      }
    },
    {},
    {},
    `review41_rsvqueued_${kind}`,
  );
}

async function olderHoldKept(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      for (const idTag of ["OWNER", "STRANGER"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      const socket = await bootedRawStation(`${server.wsUrl}/${CP}`, [1, 2]);
      const reserveNow = async (connectorId: number, status: string | null) => {
        const asked = command(server, "ReserveNow", {
          connectorId,
          idTag: "OWNER",
          reservationId: 7,
          expiryDate: inAnHour(),
        });
        const call = await socket.next(5000) as unknown[];
        assertEquals(call[2], "ReserveNow");
        if (status === null) return { asked, call };
        socket.send(JSON.stringify([3, call[1], { status }]));
        assertEquals((await asked).status, 200);
        return { asked, call };
      };
      /**
       * A remote start for STRANGER on connector 1: its answer within 2 s, or null when it went past the guard
       * (queued behind a CALL in flight, or sent); `settle` answers it once sent.
       */
      const strangerStart = async () => {
        const start = command(server, "RemoteStartTransaction", { connectorId: 1, idTag: "STRANGER" });
        const decided = await decidedWithin(start, 2000);
        const settle = async () => {
          if (decided !== null) return;
          const startCall = await socket.next(5000) as unknown[];
          socket.send(JSON.stringify([3, startCall[1], { status: "Rejected" }]));
          await start;
        };
        return { status: decided?.status ?? "sent to the station", settle };
      };
      try {
        await reserveNow(1, "Accepted");
        // Moved to connector 2 under its id: in flight, the station still holds it on connector 1.
        const move = await reserveNow(2, null);
        const whileInFlight = await strangerStart();
        socket.send(JSON.stringify([3, move.call[1], { status: "Rejected" }]));
        assertEquals((await move.asked).status, 200);
        await whileInFlight.settle();
        assertEquals(whileInFlight.status, 409, "connector 1 while the move is in flight");
        const afterRefusal = await strangerStart();
        await afterRefusal.settle();
        assertEquals(afterRefusal.status, 409, "connector 1 once the station refused the move");
      } finally {
        await socket.close();
      }
    },
    {},
    {},
    `reserve44_rsvmove_${kind}`,
  );
}

Deno.test("a ReserveNow in flight under a held reservation's id keeps the older held (KV)", () =>
  olderHoldKept("kv"));

Deno.test({
  name: "a ReserveNow in flight under a held reservation's id keeps the older held (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("queued reservation holds on PostgreSQL"),
  fn: () => olderHoldKept("postgres"),
});

Deno.test("a cancel answered in time leaves a queued ReserveNow of its id held (KV)", () =>
  queuedHoldKept("kv"));

Deno.test({
  name: "a cancel answered in time leaves a queued ReserveNow of its id held (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("queued reservation holds on PostgreSQL"),
  fn: () => queuedHoldKept("postgres"),
});
