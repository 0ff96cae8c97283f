/**
 * OCPP 1.6 §4.2.1 (2.0.1 B02): while a station is Pending or Rejected, the Central System does not ask it to
 * start or stop a session. An operator trying it through the API is told why (409, not even with force);
 * other commands still go out, and once the station is Accepted the same request reaches it. An operator's
 * Pending holds through the station's boots, whatever REGISTRATION_POLICY says, until an operator decides.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, type RawSocket } from "./helpers/station.ts";

async function boot(raw: RawSocket, payload: unknown): Promise<string> {
  raw.send(JSON.stringify([2, "b", "BootNotification", payload]));
  const reply = await raw.next() as [number, string, { status: string }];
  return reply[2].status;
}

Deno.test("RemoteStart/RemoteStop and their 2.0.1 kin are refused for a Pending station, even forced", async () => {
  const server = await startApiServer({ REGISTRATION_POLICY: "Pending" });
  // RemoteStart is refused for a tag this server would not accept: TAG-1 is a known card.
  await server.store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
  const raw = await openRaw(`${server.wsUrl}/CP-WAIT`);
  const raw201 = await openRaw(`${server.wsUrl}/CP-WAIT-201`, ["ocpp2.0.1"]);
  try {
    assertEquals(await boot(raw, { chargePointVendor: "Acme", chargePointModel: "X" }), "Pending");
    assertEquals(
      await boot(raw201, { chargingStation: { model: "X", vendorName: "Acme" }, reason: "PowerUp" }),
      "Pending",
    );
    const command = (id: string, action: string, body: unknown, force = false) =>
      server.json(`/api/v1/charge-points/${id}/${action}${force ? "?force=true" : ""}`, {
        method: "POST",
        as: "operator",
        body,
      });
    for (const force of [false, true]) {
      const start = await command(
        "CP-WAIT",
        "RemoteStartTransaction",
        { idTag: "TAG-1", connectorId: 1 },
        force,
      );
      assertEquals([start.status, start.body.error], [409, "command_refused"], JSON.stringify(start.body));
      assertStringIncludes(start.body.message, "Pending");
      const stop = await command("CP-WAIT", "RemoteStopTransaction", { transactionId: 1 }, force);
      assertEquals(stop.status, 409);
      const start201 = await command("CP-WAIT-201", "RequestStartTransaction", {
        idToken: { idToken: "TAG-1", type: "ISO14443" },
      }, force);
      assertEquals(start201.status, 409, JSON.stringify(start201.body));
      const stop201 = await command("CP-WAIT-201", "RequestStopTransaction", { transactionId: "T1" }, force);
      assertEquals(stop201.status, 409);
    }
    // Nothing reached the stations; other commands still do.
    assertEquals(raw.received.length, 0, JSON.stringify(raw.received));
    const config = command("CP-WAIT", "GetConfiguration", {});
    const asked = await raw.next() as [number, string, string];
    assertEquals(asked[2], "GetConfiguration");
    raw.send(JSON.stringify([3, asked[1], { configurationKey: [] }]));
    assertEquals((await config).status, 200);

    // Accepted by an operator: the same request goes out.
    const accepted = await server.json("/api/v1/charge-points/CP-WAIT", {
      method: "PUT",
      as: "admin",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(accepted.status, 200, JSON.stringify(accepted.body));
    const started = command("CP-WAIT", "RemoteStartTransaction", { idTag: "TAG-1", connectorId: 1 });
    const call = await raw.next() as [number, string, string];
    assertEquals(call[2], "RemoteStartTransaction");
    raw.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    assertEquals((await started).status, 200);
  } finally {
    await raw.close();
    await raw201.close();
    await server.close();
  }
});

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: an operator's Pending holds through the station's boots; the policy's does not`, async () => {
    await withApiServer(kind, async (server) => {
      const put = (id: string, registrationStatus: string) =>
        server.json(`/api/v1/charge-points/${id}`, {
          method: "PUT",
          as: "admin",
          body: { registrationStatus },
        });
      const bootOnce = async (id: string) => {
        const raw = await openRaw(`${server.wsUrl}/${id}`);
        try {
          return await boot(raw, { chargePointVendor: "Acme", chargePointModel: "X" });
        } finally {
          await raw.close();
        }
      };
      // REGISTRATION_POLICY is Accepted here: an operator holds CP-HOLD, before and after its first boot.
      assertEquals((await put("CP-HOLD", "Pending")).status, 201);
      assertEquals(await bootOnce("CP-HOLD"), "Pending");
      assertEquals(await bootOnce("CP-HOLD"), "Pending");
      assertEquals(await bootOnce("CP-FREE"), "Accepted");
      assertEquals((await put("CP-FREE", "Pending")).status, 200);
      assertEquals(await bootOnce("CP-FREE"), "Pending");
      const held = await server.json("/api/v1/charge-points/CP-FREE", { as: "viewer" });
      assertEquals([held.body.registrationStatus, held.body.registrationHeld], ["Pending", true]);
      // An operator's acceptance releases it.
      assertEquals((await put("CP-FREE", "Accepted")).status, 200);
      assertEquals(await bootOnce("CP-FREE"), "Accepted");
      const released = await server.json("/api/v1/charge-points/CP-FREE", { as: "viewer" });
      assertEquals([released.body.registrationStatus, released.body.registrationHeld], [
        "Accepted",
        undefined,
      ]);
    });
  });
}
