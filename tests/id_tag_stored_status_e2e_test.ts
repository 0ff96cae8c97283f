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

Deno.test("a tag the operator blocks after its Authorize is refused at the Start that follows, and at the Stop", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-BLOCK");
  try {
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "CARD-B" } })).status,
      201,
    );
    assertEquals((await station.call("Authorize", { idTag: "CARD-B" })).idTagInfo.status, "Accepted");
    const blocked = await server.json("/api/v1/id-tags/CARD-B", {
      method: "PATCH",
      body: { status: "Blocked" },
    });
    assertEquals(blocked.status, 200);
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "card-b",
      meterStart: 100,
      timestamp: new Date().toISOString(),
    });
    assertEquals(start.idTagInfo.status, "Blocked");
    const accepted = await server.json("/api/v1/id-tags/CARD-B", {
      method: "PATCH",
      body: { status: "Accepted" },
    });
    assertEquals(accepted.status, 200);
    const expired = await server.json("/api/v1/id-tags/CARD-B", {
      method: "PATCH",
      body: { status: "Expired" },
    });
    assertEquals(expired.status, 200);
    const stop = await station.call("StopTransaction", {
      transactionId: start.transactionId,
      idTag: "CARD-B",
      meterStop: 200,
      timestamp: new Date().toISOString(),
    });
    assertEquals(stop.idTagInfo?.status, "Expired");
  } finally {
    await closeStation(station);
    await server.close();
  }
});
