/**
 * An answered CancelReservation lets go only what a timed-out ReserveNow of its id held, never the hold of a
 * ReserveNow of that id still waiting behind it for its answer (an operator cancelling, then reserving again
 * under the same id, which OCPP 1.6 §5.13 lets replace a reservation): while that one is unanswered the
 * station may take it, so a remote start for another tag on its connector is refused. A raw `ws` 1.6 station,
 * on KV and PostgreSQL.
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

Deno.test("a cancel answered in time leaves a queued ReserveNow of its id held (KV)", () =>
  queuedHoldKept("kv"));

Deno.test({
  name: "a cancel answered in time leaves a queued ReserveNow of its id held (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("queued reservation holds on PostgreSQL"),
  fn: () => queuedHoldKept("postgres"),
});
