/**
 * ConcurrentTx is an answer of the moment (the tag charges elsewhere, SINGLE_USE_ID_TAGS), never a tag's
 * stored status: stored, every station would tell its driver "in use" for ever, and the managed local list
 * would carry it to stations for offline use. The id tag API refuses it (400 naming the field); the statuses
 * an operator means (Accepted, Blocked, Expired, Invalid) are kept. Driven over HTTP and checked with a strict
 * ocpp-rpc station's Authorize.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test("an id tag cannot be stored as ConcurrentTx; the statuses an operator sets are kept", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-TAGS");
  try {
    const created = await server.json("/api/v1/id-tags", {
      method: "POST",
      body: { idTag: "CARD-CTX", status: "ConcurrentTx" },
    });
    assertEquals(
      [created.status, created.body.details?.field],
      [400, "status"],
      JSON.stringify(created.body),
    );
    const ok = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "CARD-CTX" } });
    assertEquals(ok.status, 201);
    const patched = await server.json("/api/v1/id-tags/CARD-CTX", {
      method: "PATCH",
      body: { status: "ConcurrentTx" },
    });
    assertEquals(
      [patched.status, patched.body.details?.field],
      [400, "status"],
      JSON.stringify(patched.body),
    );
    assertEquals((await station.call("Authorize", { idTag: "CARD-CTX" })).idTagInfo.status, "Accepted");
    for (const status of ["Blocked", "Expired", "Invalid", "Accepted"]) {
      const set = await server.json("/api/v1/id-tags/CARD-CTX", { method: "PATCH", body: { status } });
      assertEquals([set.status, set.body.status], [200, status]);
      assertEquals((await station.call("Authorize", { idTag: "CARD-CTX" })).idTagInfo.status, status);
    }
  } finally {
    await closeStation(station);
    await server.close();
  }
});
