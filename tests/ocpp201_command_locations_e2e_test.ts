/**
 * Location placeholders for OCPP 2.0.1 stations, as for 1.6 ones (files/command_locations.ts): a GetLog with
 * `csms:upload` gets a one-time upload URL the station uploads its log to, and an UpdateFirmware with
 * `csms:firmware/<id>` a download URL of the uploaded image (in 2.0.1's `firmware.location`). Before, both
 * placeholders went to a 2.0.1 station as they were. A strict ocpp-rpc station speaking 2.0.1, real HTTP.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a 2.0.1 station is given this server's URLs for csms:upload and csms:firmware/<id>", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-LOC201");
  const got: Record<string, Json> = {};
  station.handle(
    "GetLog",
    ({ params }) => ((got.GetLog = params), { status: "Accepted", filename: "d.log" }),
  );
  station.handle("UpdateFirmware", ({ params }) => ((got.UpdateFirmware = params), { status: "Accepted" }));
  try {
    const log = await server.json("/api/v1/charge-points/CP-LOC201/GetLog", {
      method: "POST",
      as: "operator",
      body: { logType: "DiagnosticsLog", requestId: 4, log: { remoteLocation: "csms:upload" } },
    });
    assertEquals(log.status, 200, JSON.stringify(log.body));
    const url = got.GetLog.log.remoteLocation as string;
    assert(url.startsWith(`${server.url}/files/upload/CP-LOC201/`), url);
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    const form = new FormData();
    form.append("file", new File([bytes], "diagnostics.log"));
    const uploaded = await fetch(url, { method: "POST", body: form });
    await uploaded.body?.cancel();
    assertEquals(uploaded.status, 201);
    const list = await server.json("/api/v1/uploads?chargePointId=CP-LOC201", { as: "viewer" });
    assertEquals(list.body.items.map((u: Json) => [u.kind, u.logType, u.requestId]), [[
      "log",
      "DiagnosticsLog",
      4,
    ]]);

    const image = crypto.getRandomValues(new Uint8Array(20_000));
    const firmwareForm = new FormData();
    firmwareForm.append("name", "Volt-2 4.0");
    firmwareForm.append("file", new File([image], "volt-4.0.bin"));
    const created = await fetch(`${server.url}/api/v1/firmware`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.tokens.admin}` },
      body: firmwareForm,
    });
    assertEquals(created.status, 201);
    const firmware = await created.json();
    const update = await server.json("/api/v1/charge-points/CP-LOC201/UpdateFirmware", {
      method: "POST",
      as: "operator",
      body: {
        requestId: 6,
        firmware: { location: `csms:firmware/${firmware.id}`, retrieveDateTime: new Date().toISOString() },
      },
    });
    assertEquals(update.status, 200, JSON.stringify(update.body));
    const sent = got.UpdateFirmware.firmware;
    assert(sent.location.startsWith(`${server.url}/files/firmware/`), sent.location);
    // Without a stored signature, none is added (both are optional in 2.0.1).
    assertEquals([sent.signature, sent.signingCertificate], [undefined, undefined]);
    const downloaded = await fetch(sent.location);
    assertEquals(new Uint8Array(await downloaded.arrayBuffer()), image);

    const unknown = await server.json("/api/v1/charge-points/CP-LOC201/UpdateFirmware", {
      method: "POST",
      as: "operator",
      body: {
        requestId: 7,
        firmware: { location: "csms:firmware/nope", retrieveDateTime: new Date().toISOString() },
      },
    });
    assertEquals(unknown.status, 400, JSON.stringify(unknown.body));
  } finally {
    await closeStation(station);
    await server.close();
  }
});
