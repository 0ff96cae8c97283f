/**
 * DataTransfer from a strict station end to end: without rules it is answered UnknownVendorId; an admin sets
 * rules per vendorId and messageId through the API (no code change, no restart) and the next messages are
 * answered by them; every message is stored with the answer it got and listed per station. Operators may not
 * change the rules.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("DataTransfer is stored and answered by the rules set through the API", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-DT");
  try {
    const send = (vendorId: string, messageId?: string, data?: string) =>
      station.call("DataTransfer", {
        vendorId,
        ...(messageId !== undefined ? { messageId } : {}),
        ...(data !== undefined ? { data } : {}),
      });
    assertEquals(await send("com.acme", "Price", '{"kWh":3}'), { status: "UnknownVendorId" });

    const rule = (body: Json, as: "admin" | "operator" = "admin") =>
      server.json("/api/v1/data-transfer-rules", { method: "PUT", as, body });
    assertEquals((await rule({ vendorId: "com.acme", status: "Accepted" }, "operator")).status, 403);
    const set = await rule({
      vendorId: "com.acme",
      messageId: "Price",
      status: "Accepted",
      data: '{"eur":0.31}',
    });
    assertEquals([set.status, set.body.updatedBy], [200, "token:admin tests"]);
    await rule({ vendorId: "com.acme", status: "Rejected" });

    assertEquals(await send("com.acme", "Price", '{"kWh":3}'), { status: "Accepted", data: '{"eur":0.31}' });
    assertEquals(await send("com.acme", "Other"), { status: "Rejected" });
    assertEquals(await send("org.other"), { status: "UnknownVendorId" });
    await server.json("/api/v1/data-transfer-rules?vendorId=com.acme&messageId=", { method: "DELETE" });
    assertEquals(await send("com.acme", "Other"), { status: "UnknownMessageId" });

    const listed = await server.json("/api/v1/data-transfers?chargePointId=CP-DT", { as: "viewer" });
    assertEquals(
      listed.body.items.map((d: Json) => [d.vendorId, d.messageId, d.data, d.status, d.responseData]),
      [
        ["com.acme", "Other", null, "UnknownMessageId", null],
        ["org.other", null, null, "UnknownVendorId", null],
        ["com.acme", "Other", null, "Rejected", null],
        ["com.acme", "Price", '{"kWh":3}', "Accepted", '{"eur":0.31}'],
        ["com.acme", "Price", '{"kWh":3}', "UnknownVendorId", null],
      ],
    );
    const rules = await server.json("/api/v1/data-transfer-rules", { as: "viewer" });
    assertEquals(rules.body.items.map((r: Json) => [r.vendorId, r.messageId, r.status]), [[
      "com.acme",
      "Price",
      "Accepted",
    ]]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
