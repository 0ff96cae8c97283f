/**
 * `csms:firmware/<id>` and `csms:upload` are made into a URL for ONE station (its own download link or upload
 * slot) by the command API. A job sends one payload to every station: it is refused with 400 naming the field,
 * before it is stored, rather than sending the literal placeholder, which no station can download from or
 * upload to, to a whole fleet. Driven as an operator and a station would: HTTP, and a strict ocpp-rpc station.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test("a job whose location is a csms: placeholder is 400 and no station gets it", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-JOBLOC");
  const received: string[] = [];
  station.handle("UpdateFirmware", ({ params }) => (received.push(params.location), {}));
  station.handle("GetDiagnostics", ({ params }) => (received.push(params.location), {}));
  try {
    const form = new FormData();
    form.append("name", "Volt-1 2.4.0");
    form.append("file", new File([new Uint8Array(2048)], "volt-2.4.0.bin"));
    const uploaded = await fetch(`${server.url}/api/v1/firmware`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.tokens.admin}` },
      body: form,
    });
    assertEquals(uploaded.status, 201, await uploaded.clone().text());
    const firmware = await uploaded.json();
    // One station at a time, the placeholder becomes that station's own URL.
    const one = await server.json("/api/v1/charge-points/CP-JOBLOC/UpdateFirmware", {
      method: "POST",
      body: { location: `csms:firmware/${firmware.id}`, retrieveDate: new Date().toISOString() },
      as: "operator",
    });
    assertEquals(one.status, 200, JSON.stringify(one.body));
    assertEquals(received.length, 1);
    assertEquals(received[0]!.startsWith(server.url), true, received[0]);

    const jobs: [string, Record<string, unknown>, string][] = [
      [
        "UpdateFirmware",
        { location: `csms:firmware/${firmware.id}`, retrieveDate: new Date().toISOString() },
        "payload.location",
      ],
      ["GetDiagnostics", { location: "csms:upload" }, "payload.location"],
    ];
    for (const [action, payload, field] of jobs) {
      const job = await server.json("/api/v1/jobs", {
        method: "POST",
        body: { action, payload, chargePointIds: ["CP-JOBLOC"] },
        as: "operator",
      });
      assertEquals(job.status, 400, `${action}: ${JSON.stringify(job.body)}`);
      assertEquals([job.body.error, job.body.details.field], ["invalid_request", field]);
    }
    const listed = await server.json("/api/v1/jobs", { as: "viewer" });
    assertEquals(listed.body.items, [], "a job was stored");
    assertEquals(received.length, 1, `a station got ${JSON.stringify(received.slice(1))}`);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
