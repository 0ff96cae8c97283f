/**
 * A percent-escape that decodes to no text (`%E0%A4`, `%B`), as a careless client or a prober sends it. Hono
 * hands a route the raw text of a parameter it cannot decode, so `/ocpp/A%B` and `/ocpp/A%25B` named the same
 * station "A%B", and the API created and read records under the raw text. Now both refuse with 400.
 */
import { assert, assertEquals } from "@std/assert";
import { withApiServer } from "./helpers/api_on_store.ts";
import { expectRefused, openRaw, rawCall } from "./helpers/station.ts";

Deno.test("an undecodable escape in an API path or query is 400 with a JSON body, and nothing is stored", () =>
  withApiServer("kv", async (server) => {
    const cases: [string, { method?: string; body?: unknown }, "path" | "query"][] = [
      [
        "/api/v1/charge-points/BAD%E0%A4%A",
        { method: "PUT", body: { registrationStatus: "Accepted" } },
        "path",
      ],
      ["/api/v1/id-tags/T%B", { method: "PATCH", body: { status: "Blocked" } }, "path"],
      ["/api/v1/charge-points/CP%zz", {}, "path"],
      ["/api/v1/transactions?idTag=%E0%A4", {}, "query"],
      ["/api/v1/charge-points?search=%C3", {}, "query"],
    ];
    for (const [path, init, part] of cases) {
      const res = await server.json(path, init);
      assertEquals(res.status, 400, `${init.method ?? "GET"} ${path}: ${JSON.stringify(res.body)}`);
      assertEquals([res.body.error, res.body.details.in], ["invalid_request", part]);
      assert(String(res.body.message).includes("percent-escape"), res.body.message);
    }
    const stations = await server.json("/api/v1/charge-points", { as: "viewer" });
    assertEquals(stations.body.items.length, 0, JSON.stringify(stations.body));
    // A well-formed escape still names the text it encodes.
    const created = await server.json("/api/v1/charge-points/A%25B", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    assertEquals((await server.json("/api/v1/charge-points/A%25B", { as: "viewer" })).body.id, "A%B");
  }));

Deno.test("a station connecting under an undecodable escape is refused with 400; its escaped twin is accepted", () =>
  withApiServer("kv", async (server) => {
    assertEquals(await expectRefused(`${server.wsUrl}/A%B`), 400);
    assertEquals(await expectRefused(`${server.wsUrl}/CP%E0%A4`), 400);
    const station = await openRaw(`${server.wsUrl}/A%25B`);
    try {
      const boot = await rawCall(station, "BootNotification", {
        chargePointVendor: "Acme",
        chargePointModel: "X",
      });
      assertEquals(boot[0], 3, JSON.stringify(boot));
    } finally {
      await station.close();
    }
    const stations = await server.json("/api/v1/charge-points", { as: "viewer" });
    assertEquals(stations.body.items.map((s: { id: string }) => s.id), ["A%B"]);
  }));
