/**
 * Two nodes on one PostgreSQL database. A node frozen (SIGSTOP) past its lease with a station's
 * StatusNotification Faulted waiting in its socket; the station reconnects to the other node and reports its
 * connector Available there. When the frozen node thaws it serves the stale frame: the store refuses its
 * snapshot write (migration 048, a newer connection wrote) and it closes the socket 4000. That turn must do
 * nothing else: before, it published the stale Faulted, so its node's reservation service cancelled the
 * connector's reservation in the shared ledger and the live stream of every node showed the connector
 * Faulted.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { adminCookie } from "./helpers/admin_api.ts";
import { readEvents } from "./helpers/sse.ts";
import { bootedRawStation, openRaw, rawAnswer } from "./helpers/station.ts";

const CP = "FRZ-FAULT";

Deno.test({
  name: "a thawed node's stale StatusNotification Faulted cancels no reservation and reaches no live stream",
  ignore: await ignoreWithoutPostgres("cluster refused turn test"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("turn42_cluster_refused");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PRESENCE_LEASE_S: "2",
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    try {
      const apiA = await adminApi(a.url);
      const apiB = await adminApi(b.url);
      assertEquals((await apiA("/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status, 201);
      const old = await bootedRawStation(`${a.wsUrl}/${CP}`);
      const reserving = apiA("/reservations", {
        method: "POST",
        body: {
          chargePointId: CP,
          connectorId: 1,
          idTag: "OWNER",
          expiryDate: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      const call = await old.next() as unknown[];
      assertEquals(call[2], "ReserveNow");
      old.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
      const reserved = await reserving;
      assertEquals(reserved.status, 201, JSON.stringify(reserved.body));
      const id = reserved.body.reservationId as number;

      a.child.kill("SIGSTOP");
      old.send(JSON.stringify([2, "stale-1", "StatusNotification", {
        connectorId: 1,
        errorCode: "GroundFailure",
        status: "Faulted",
      }]));
      // A's lease (2 s) runs out; the station gives up on A and goes to B.
      await new Promise((r) => setTimeout(r, 3500));
      const station = await openRaw(`${b.wsUrl}/${CP}`);
      assertEquals(
        (await rawAnswer(station, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }))
          .status,
        "Accepted",
      );
      await rawAnswer(station, "StatusNotification", {
        connectorId: 1,
        errorCode: "NoError",
        status: "Available",
      });
      const stream = await fetch(`${b.url}/api/v1/events`, { headers: { cookie: await adminCookie(b.url) } });
      assertEquals(stream.status, 200);
      const seen = readEvents(stream.body!, (e) => e.event === "status" && e.data.status === "Faulted", 2500);
      a.child.kill("SIGCONT");
      assertEquals((await old.closed).code, 4000);
      // The reservation's creation may reach B only now (A forwards its events, and froze right after).
      const events = (await seen).filter((e) =>
        (e.event === "status" && e.data.status === "Faulted") ||
        (e.event === "reservation" && (e.data.reservation as { state: string }).state !== "active")
      );
      assertEquals(events.map((e) => e.data), [], "the thawed node's refused turn published nothing");
      const after = await apiB(`/reservations/${id}`);
      assertEquals(after.body.state, "active", JSON.stringify(after.body));
      const view = await apiB(`/charge-points/${CP}`);
      assertEquals(view.body.connectors.map((c: { status: string }) => c.status), ["Available"]);
      await station.close();
    } finally {
      a.child.kill("SIGCONT");
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});
