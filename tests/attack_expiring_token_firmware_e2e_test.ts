/**
 * A station runs the firmware it is sent until it is sent another: an image from an address of the attacker's
 * choosing may let in, or let charge, whomever it likes, for good. An expiring token tries UpdateFirmware from
 * its own URL (a command, a job) and adding its image to the server's library: each answers 403 naming the
 * rule, and the strict station is sent nothing. An image a lasting admin put in the library
 * (`csms:firmware/<id>`) may still be installed: the station is sent this server's URL of it.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring token cannot install firmware of its own choosing, only the library's", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "FW-1");
  const locations: string[] = [];
  station.handle("UpdateFirmware", ({ params }) => {
    locations.push(params.location);
    return {};
  });
  try {
    const operator = await expiringToken(server, "operator");
    const admin = await expiringToken(server, "admin");
    const rogue = {
      location: "https://firmware.example.net/free-charging.bin",
      retrieveDate: new Date().toISOString(),
    };
    const refused = (res: { status: number; body: { details?: { rule?: string } } }, what: string) => {
      assertEquals(res.status, 403, `${what}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.details?.rule, "expiring_token_firmware", what);
    };
    refused(await operator.call("POST", "/charge-points/FW-1/UpdateFirmware", rogue), "a command");
    refused(
      await operator.call("POST", "/jobs", {
        action: "UpdateFirmware",
        payload: rogue,
        chargePointIds: ["FW-1"],
      }),
      "a job",
    );
    const upload = (token: string) => {
      const form = new FormData();
      form.append("name", "Volt-1 9.9");
      form.append("file", new File([crypto.getRandomValues(new Uint8Array(5000))], "volt-9.9.bin"));
      return fetch(`${server.url}/api/v1/firmware`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
    };
    const added = await upload(admin.token);
    const addedBody = await added.json();
    refused({ status: added.status, body: addedBody }, "adding to the library");
    assertEquals((await server.json("/api/v1/firmware")).body.items, []);
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);
    assertEquals(locations, [], "the station was sent nothing");

    const vetted = await upload(server.tokens.admin);
    assertEquals(vetted.status, 201);
    const image = await vetted.json();
    const installed = await operator.call("POST", "/charge-points/FW-1/UpdateFirmware", {
      ...rogue,
      location: `csms:firmware/${image.id}`,
    });
    assertEquals(installed.status, 200, JSON.stringify(installed.body));
    const sent = locations as string[];
    assertEquals(sent.length, 1);
    assert(sent[0]!.startsWith(`${server.url}/files/firmware/`), sent[0]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
