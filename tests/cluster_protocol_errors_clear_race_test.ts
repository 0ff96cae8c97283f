/**
 * An offline clear racing a connect on another node: node A's actor loaded the station's protocol errors, and
 * node B, which does not see A's connection yet (A's presence held back), clears them in the store and answers
 * 200. The errors A still holds must not come back: its next bad frame is written as the only one since the
 * clear, and a clear through A does not clear B's errors a second time. Two servers in one process on the
 * memory cluster, one shared store, the station on a real WebSocket.
 */
import { assertEquals } from "@std/assert";
import { MemoryClusterHub } from "../cluster/memory.ts";
import type { ClusterBackend } from "../cluster/mod.ts";
import { emptyRecord } from "../model/charge_point.ts";
import { openKvStore } from "../store/kv/mod.ts";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

/**
 * `backend` whose presence claims and broadcasts of opened connections wait for `release()`: the other nodes
 * do not see its stations.
 */
function unseen(backend: ClusterBackend) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    release,
    backend: {
      ...backend,
      presence: { ...backend.presence, claim: (e) => gate.then(() => backend.presence.claim(e)) },
      bus: {
        ...backend.bus,
        broadcast: (m) =>
          "opened" in m && Array.isArray(m.opened) && m.opened.length > 0
            ? gate.then(() => backend.bus.broadcast(m))
            : backend.bus.broadcast(m),
      },
    } satisfies ClusterBackend,
  };
}

/** Sends a frame the server refuses (a StatusNotification with an unknown status); waits for its CALLERROR. */
async function sendBadFrame(socket: RawSocket, n: number): Promise<void> {
  socket.send(JSON.stringify([2, `bad-${n}`, "StatusNotification", {
    connectorId: 1,
    errorCode: "NoError",
    status: "Asleep",
  }]));
  assertEquals((await socket.next() as unknown[])[0], 4);
}

Deno.test("a clear through a node that does not see the station's new connection yet is never undone", async () => {
  const store = await openKvStore(":memory:");
  // Errors an hour old: the actor's first new one is written at once (one write a minute at most).
  const lastAt = new Date(Date.now() - 3_600_000).toISOString();
  const errors = { count: 3, lastAt, lastProblem: "FormationViolation: x" };
  for (const id of ["CP-NEW", "CP-AGAIN"]) {
    await store.putChargePoint({
      ...emptyRecord(id, new Date()),
      registrationStatus: "Accepted",
      protocolErrors: errors,
    });
  }
  const hub = new MemoryClusterHub();
  const nodeA = unseen(hub.backend("node-a"));
  const a = await startApiServer({ PRESENCE_LEASE_S: "2" }, { cluster: nodeA.backend, store });
  const b = await startApiServer({ PRESENCE_LEASE_S: "2" }, { cluster: hub.backend("node-b"), store });
  const stations: RawSocket[] = [];
  const clear = (via: typeof a, id: string, at: string) =>
    via.json(`/api/v1/charge-points/${id}/protocol-errors/clear`, {
      as: "operator",
      method: "POST",
      body: { lastAt: at },
    });
  try {
    for (const id of ["CP-NEW", "CP-AGAIN"]) stations.push(await bootedRawStation(`${a.wsUrl}/${id}`));
    for (const id of ["CP-NEW", "CP-AGAIN"]) {
      assertEquals((await b.json(`/api/v1/charge-points/${id}`)).body.online, false, "B does not see A's");
      const cleared = await clear(b, id, lastAt);
      assertEquals(cleared.status, 200, JSON.stringify(cleared.body));
    }

    // A's next bad frame: the only one since the clear, in the store and on A.
    await sendBadFrame(stations[0]!, 1);
    let stored = (await store.getChargePoint("CP-NEW"))!.protocolErrors;
    for (let i = 0; i < 100 && stored?.count !== 1; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stored = (await store.getChargePoint("CP-NEW"))!.protocolErrors;
    }
    assertEquals(stored?.count, 1, "the 3 cleared through B do not come back");
    assertEquals((await a.json("/api/v1/charge-points/CP-NEW")).body.protocolErrors?.count, 1);

    // A clear through A of the errors B cleared: nothing to clear, not a second 200.
    const again = await clear(a, "CP-AGAIN", lastAt);
    assertEquals(
      [again.status, again.body.details?.reason],
      [409, "no_protocol_errors"],
      JSON.stringify(again.body),
    );
    const cleared = a.logs.concat(b.logs).filter((l) =>
      l.msg === "protocol errors cleared" && l.chargePointId === "CP-AGAIN"
    );
    assertEquals(cleared.length, 1, "one clear logged");
  } finally {
    nodeA.release();
    for (const s of stations) await s.close();
    await b.close();
    await a.close();
    await store.close();
  }
});
