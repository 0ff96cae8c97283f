/**
 * Issue 10 item 5, as an impostor would try it: opening sockets with made-up charge point ids (nothing is
 * stored until a BootNotification, yet they show as connected while they are), taking over a station's id at
 * profile 0, and what an operator can do about it: `POST /api/v1/charge-points/{id}/disconnect`, and a
 * change of the station's security settings, which closes its current socket so it must pass the new check.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { attempt, basic, connectSecureStation } from "./helpers/secure_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, openRaw, type RawSocket } from "./helpers/station.ts";

const KEY = "the-real-stations-key-0001";

/** `promise`, or a rejection after `ms` (a socket that is never closed must fail the test, not hang it). */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out: ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("sockets with made-up ids store nothing before a boot, yet are listed as connected while open", async () => {
  const server = await startApiServer();
  const ghosts: RawSocket[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      ghosts.push(await openRaw(`${server.wsUrl}/GHOST-${String(i).padStart(2, "0")}`));
    }
    // Two real stations that booted, around them in id order.
    const a = await connectStation(server.wsUrl, "GHOST-00A");
    const z = await connectStation(server.wsUrl, "ZZ-BOOTED");
    await eventually(() => server.registry.size === 22, 5000, "every socket attached");
    await eventually(async () =>
      (await server.json("/api/v1/charge-points?limit=500", { as: "viewer" })).body.items.length === 22
    );

    // Listed as connected, with no registration, and paged in id order together with the stored ones.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "" : `&after=${encodeURIComponent(cursor)}`;
      const page = await server.json(`/api/v1/charge-points?limit=5${query}`, { as: "viewer" });
      assertEquals(page.status, 200);
      for (const item of page.body.items) {
        seen.push(item.id);
        assertEquals(item.online, true);
      }
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    assertEquals(seen, [...seen].sort());
    assertEquals(new Set(seen).size, 22);
    const ghost = await server.json("/api/v1/charge-points/GHOST-03", { as: "viewer" });
    assertEquals([ghost.status, ghost.body.online, ghost.body.registrationStatus], [200, true, null]);
    const stored = (await server.store.listChargePoints({ limit: 100 })).map((r) => r.id);
    assertEquals(stored, ["GHOST-00A", "ZZ-BOOTED"]);

    for (const g of ghosts) await g.close();
    await closeStation(a);
    await closeStation(z);
    await eventually(() => server.registry.size === 0, 5000, "every socket closed");
    // Nothing of the ghosts remains: not in the store, not in the API.
    assertEquals((await server.store.listChargePoints({ limit: 100 })).map((r) => r.id), [
      "GHOST-00A",
      "ZZ-BOOTED",
    ]);
    assertEquals((await server.json("/api/v1/charge-points/GHOST-03", { as: "viewer" })).status, 404);
    const listed = await server.json("/api/v1/charge-points?limit=500", { as: "viewer" });
    assertEquals(listed.body.items.map((i: { id: string }) => i.id), ["GHOST-00A", "ZZ-BOOTED"]);
  } finally {
    for (const g of ghosts) await g.close();
    await server.close();
  }
});

Deno.test("an impostor on a station's id is disconnected by an operator and shut out by a security change", async () => {
  const server = await startApiServer();
  try {
    const real = await connectStation(server.wsUrl, "CP001");
    // Profile 0, policy Accepted: anyone may take over the id (the README says to configure a profile).
    const impostor = await openRaw(`${server.wsUrl}/CP001`);
    impostor.send(JSON.stringify([2, "h1", "Heartbeat", {}]));
    const answer = await impostor.next() as unknown[];
    assertEquals(answer[0], 3, "the impostor is served until someone acts");
    await real.close({ code: 1000, force: true, awaitPending: false }).catch(() => {});

    // Viewers may not disconnect; an operator may.
    const asViewer = await server.json("/api/v1/charge-points/CP001/disconnect", {
      method: "POST",
      as: "viewer",
    });
    assertEquals(asViewer.status, 403);
    const cut = await server.api("/api/v1/charge-points/CP001/disconnect", {
      method: "POST",
      as: "operator",
    });
    assertEquals(cut.status, 204);
    assertEquals((await within(impostor.closed, "the impostor closed")).code, 4001);
    const again = await server.json("/api/v1/charge-points/CP001/disconnect", {
      method: "POST",
      as: "operator",
    });
    assertEquals([again.status, again.body.error], [409, "not_connected"]);

    // It comes back; the admin gives the station a key and profile 1: the impostor's socket is closed now,
    // not at its next connection, and without the key it cannot return.
    const back = await openRaw(`${server.wsUrl}/CP001`);
    await eventually(() => server.registry.isConnected("CP001"));
    const set = await server.json("/api/v1/station-security/CP001", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200);
    assertEquals((await within(back.closed, "the impostor closed on the security change")).code, 4002);
    const refused = await attempt(`${server.wsUrl}/CP001`);
    assertEquals(refused.open ? 101 : refused.status, 401);

    // The real station, with the key, is back; a new key not sent to it (the key leaked: the connected one may
    // be an impostor) closes it too, and the old key no longer works.
    const station = await connectSecureStation(server.wsUrl, "CP001", { password: KEY });
    try {
      assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
      const closed = new Promise<number>((resolve) =>
        (station as unknown as { once(e: string, f: (x: { code: number }) => void): void }).once(
          "close",
          (e) => resolve(e.code),
        )
      );
      const rotated = await server.json("/api/v1/station-security/CP001/authorization-key?deliver=false", {
        method: "POST",
      });
      assertEquals(rotated.status, 200);
      assertEquals(await within(closed, "the station closed on the new key"), 4002);
      const old = await attempt(`${server.wsUrl}/CP001`, { headers: basic("CP001", KEY) });
      assertEquals(old.open ? 101 : old.status, 401);
      // An unrelated PATCH that changes nothing checked does not disconnect.
      const fresh = await connectSecureStation(server.wsUrl, "CP001", {
        password: rotated.body.authorizationKey,
        boot: false,
      });
      await server.json("/api/v1/station-security/CP001", { method: "PATCH", body: {} });
      assert(server.registry.isConnected("CP001"));
      await closeStation(fresh);
    } finally {
      await closeStation(station).catch(() => {});
    }
    const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
    const op = doc.paths["/api/v1/charge-points/{id}/disconnect"]?.post;
    assertEquals(op?.operationId, "disconnectChargePoint");
    assert(op?.responses?.["204"] && op?.responses?.["409"]);
  } finally {
    await server.close();
  }
});
