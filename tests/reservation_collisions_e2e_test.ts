/**
 * Reservations that collide, with real stations (ocpp-rpc, strict; OCPP 1.6 and 2.0.1) and real HTTP, on Deno
 * KV and on PostgreSQL: a whole-station reservation keeps a free connector from other holders' reservations and
 * remote starts (one naming no connector included); two requests at the same moment cannot both reserve one
 * connector (the ReserveNow still waiting for its answer counts as held); a 2.0.1 station's snapshot drops a
 * reservation its transaction used or its ReservationStatusUpdate removed, and its commands get 1.6's guards.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores } from "../store/open.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const noPostgres = await ignoreWithoutPostgres("reservation collisions on PostgreSQL");
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const TAGS = ["OWNER", "NEIGHBOUR", "STRANGER"];

async function onStore(kind: "kv" | "postgres", fn: (server: ApiTestServer) => Promise<void>) {
  const run = async (server: ApiTestServer) => {
    try {
      for (const idTag of TAGS) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      await fn(server);
    } finally {
      await server.close();
    }
  };
  if (kind === "kv") return await run(await startApiServer());
  const db = await migratedDatabase("reserve2_collide");
  try {
    const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
    try {
      await run(await startApiServer({}, stores));
    } finally {
      await stores.close();
    }
  } finally {
    await db.drop();
  }
}

function command(server: ApiTestServer, cp: string, action: string, body: unknown, force = false) {
  return server.json(`/api/v1/charge-points/${cp}/${action}${force ? "?force=true" : ""}`, {
    method: "POST",
    as: "operator",
    body,
  });
}

function reserve(server: ApiTestServer, cp: string, body: Record<string, unknown>) {
  return server.json("/api/v1/reservations", {
    method: "POST",
    as: "operator",
    body: { chargePointId: cp, expiryDate: inAnHour(), ...body },
  });
}

/** A 1.6 station with two Available connectors that supports reserving connector 0 and accepts all. */
async function station16(server: ApiTestServer, id: string, answerAfter?: Promise<void>): Promise<Station> {
  const cp = await connectStation(server.wsUrl, id);
  cp.handle("ReserveNow", async () => (await answerAfter, { status: "Accepted" }));
  for (const action of ["CancelReservation", "RemoteStartTransaction"]) {
    cp.handle(action, () => ({ status: "Accepted" }));
  }
  cp.handle("GetConfiguration", () => ({
    configurationKey: [{ key: "ReserveConnectorZeroSupported", readonly: true, value: "true" }],
  }));
  for (const connectorId of [1, 2]) {
    await cp.call("StatusNotification", { connectorId, errorCode: "NoError", status: "Available" });
  }
  return cp;
}

async function wholeStation(kind: "kv" | "postgres") {
  await onStore(kind, async (server) => {
    const CP = `RSV2-ZERO-${kind}`;
    const cp = await station16(server, CP);
    try {
      const zero = await reserve(server, CP, { connectorId: 0, idTag: "OWNER" });
      assertEquals(zero.status, 201, JSON.stringify(zero.body));
      const id = zero.body.reservationId;
      // A second whole-station reservation: refused, naming the first.
      const again = await reserve(server, CP, { connectorId: 0, idTag: "NEIGHBOUR" });
      assertEquals([again.status, again.body.details.reservationId], [409, id]);
      // One connector for another holder: connector 2 stays free for OWNER.
      const one = await reserve(server, CP, { connectorId: 1, idTag: "NEIGHBOUR" });
      assertEquals(one.status, 201, JSON.stringify(one.body));
      // The last free one: not for another holder, reservation or remote start; the holder may.
      const last = await reserve(server, CP, { connectorId: 2, idTag: "STRANGER" });
      assertEquals([last.status, last.body.details.reservationId], [409, id], JSON.stringify(last.body));
      assertStringIncludes(last.body.message, `whole-station reservation ${id}`);
      const remote = (body: Record<string, unknown>, force = false) =>
        command(server, CP, "RemoteStartTransaction", body, force);
      const onTwo = await remote({ connectorId: 2, idTag: "STRANGER" });
      assertEquals([onTwo.status, onTwo.body.error, onTwo.body.details.reservationId], [
        409,
        "command_refused",
        id,
      ]);
      // Without a connector the station would pick connector 2, the only free one.
      const anywhere = await remote({ idTag: "STRANGER" });
      assertEquals(
        [anywhere.status, anywhere.body.details.reservationId],
        [409, id],
        JSON.stringify(anywhere.body),
      );
      assertEquals((await remote({ idTag: "STRANGER" }, true)).status, 200);
      assertEquals((await remote({ connectorId: 2, idTag: "OWNER" })).status, 200);
      assertEquals((await remote({ idTag: "OWNER" })).status, 200);
      // NEIGHBOUR's start without a connector uses its own reservation of connector 1.
      assertEquals((await remote({ idTag: "NEIGHBOUR" })).status, 200);
      // A start without a connector when every free connector is reserved for others: refused.
      await cp.call("StatusNotification", { connectorId: 2, errorCode: "NoError", status: "Preparing" });
      const none = await remote({ idTag: "STRANGER" });
      assertEquals(none.status, 409, JSON.stringify(none.body));
    } finally {
      await closeStation(cp);
    }
  });
}

async function sameMoment(kind: "kv" | "postgres") {
  await onStore(kind, async (server) => {
    const CP = `RSV2-RACE-${kind}`;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => answer = resolve);
    const cp = await station16(server, CP, answered);
    const asked: Json[] = [];
    cp.handle(
      "ReserveNow",
      async ({ params }) => (asked.push(params), await answered, { status: "Accepted" }),
    );
    try {
      // Both pass the ledger's check (neither is stored before the station answers); the actor takes one.
      const both = [
        reserve(server, CP, { connectorId: 1, idTag: "OWNER" }),
        reserve(server, CP, { connectorId: 1, idTag: "NEIGHBOUR" }),
      ];
      // While the first waits for the station: a direct ReserveNow and a stranger's start are refused too.
      const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
      await pause();
      const later = Promise.all([
        command(server, CP, "ReserveNow", {
          connectorId: 1,
          expiryDate: inAnHour(),
          idTag: "STRANGER",
          reservationId: 990,
        }),
        command(server, CP, "RemoteStartTransaction", { connectorId: 1, idTag: "STRANGER" }),
      ]);
      await pause();
      answer();
      const [direct, start] = await later;
      const results = await Promise.all(both);
      const statuses = results.map((r) => r.status).sort();
      assertEquals(statuses, [201, 409], JSON.stringify(results.map((r) => r.body)));
      const won = results.find((r) => r.status === 201)!.body.reservationId;
      assertEquals(results.find((r) => r.status === 409)!.body.details.reservationId, won);
      assertEquals([direct.status, direct.body.details?.reservationId], [409, won]);
      assertEquals([start.status, start.body.details?.reservationId], [409, won]);
      assertEquals(asked.length, 1);
      const { body } = await server.json(`/api/v1/reservations?chargePointId=${CP}&state=active`, {
        as: "viewer",
      });
      assertEquals(body.items.map((r: Json) => r.reservationId), [won]);
    } finally {
      await closeStation(cp);
    }
  });
}

async function dialect201(kind: "kv" | "postgres") {
  await onStore(kind, async (server) => {
    const CP = `RSV2-201-${kind}`;
    const cp = await connectStation201(server.wsUrl, CP);
    for (const action of ["ReserveNow", "CancelReservation", "RequestStartTransaction"]) {
      cp.handle(action, () => ({ status: "Accepted" }));
    }
    try {
      for (const evseId of [1, 2]) {
        await cp.call("StatusNotification", {
          timestamp: new Date().toISOString(),
          connectorStatus: "Available",
          evseId,
          connectorId: 1,
        });
      }
      const reserveNow = (id: number, idToken: string, evseId?: number) =>
        command(server, CP, "ReserveNow", {
          id,
          expiryDateTime: inAnHour(),
          idToken: { idToken, type: "ISO14443" },
          ...(evseId !== undefined ? { evseId } : {}),
        });
      const startFor = (idToken: string, evseId?: number) =>
        command(server, CP, "RequestStartTransaction", {
          idToken: { idToken, type: "ISO14443" },
          remoteStartId: 1,
          ...(evseId !== undefined ? { evseId } : {}),
        });
      assertEquals((await reserveNow(1, "OWNER", 1)).status, 200);
      const second = await reserveNow(2, "STRANGER", 1);
      assertEquals([second.status, second.body.error, second.body.details.reservationId], [
        409,
        "command_refused",
        1,
      ]);
      const foreign = await startFor("STRANGER", 1);
      assertEquals([foreign.status, foreign.body.details.reservationId], [409, 1]);
      // The holder's transaction names it: the station's reservation is gone, the EVSE is anyone's again.
      const tx = (eventType: string, seqNo: number, extra: Record<string, unknown>) =>
        cp.call("TransactionEvent", {
          eventType,
          seqNo,
          timestamp: new Date().toISOString(),
          triggerReason: eventType === "Started" ? "Authorized" : "StopAuthorized",
          transactionInfo: { transactionId: `T-${kind}` },
          evse: { id: 1, connectorId: 1 },
          ...extra,
        });
      await tx("Started", 0, { idToken: { idToken: "OWNER", type: "ISO14443" }, reservationId: 1 });
      await tx("Ended", 1, {});
      assertEquals((await startFor("STRANGER", 1)).status, 200);
      // Removed on the station (ReservationStatusUpdate): gone here too.
      assertEquals((await reserveNow(3, "OWNER", 1)).status, 200);
      assertEquals((await reserveNow(4, "STRANGER", 1)).status, 409);
      await cp.call("ReservationStatusUpdate", { reservationId: 3, reservationUpdateStatus: "Removed" });
      assertEquals((await reserveNow(4, "STRANGER", 1)).status, 200);
      // A reservation without an EVSE needs one free EVSE: EVSE 2 is the last.
      assertEquals((await reserveNow(5, "OWNER")).status, 200);
      const last = await startFor("NEIGHBOUR", 2);
      assertEquals([last.status, last.body.details.reservationId], [409, 5]);
      const anywhere = await startFor("NEIGHBOUR");
      assertEquals([anywhere.status, anywhere.body.details.reservationId], [409, 5]);
      assertEquals((await startFor("OWNER")).status, 200);
    } finally {
      await closeStation(cp);
    }
  });
}

for (const kind of ["kv", "postgres"] as const) {
  const store = kind === "kv" ? "Deno KV" : "PostgreSQL";
  const ignore = kind === "postgres" && noPostgres;
  Deno.test({
    name: `a whole-station reservation keeps a free connector from other holders (1.6, ${store})`,
    ignore,
    fn: () => wholeStation(kind),
  });
  Deno.test({
    name: `two reservations of one connector at the same moment: one is made, one refused (1.6, ${store})`,
    ignore,
    fn: () => sameMoment(kind),
  });
  Deno.test({
    name: `a 2.0.1 station's used or removed reservation is dropped, and its commands are guarded (${store})`,
    ignore,
    fn: () => dialect201(kind),
  });
}
