/**
 * A careless operator (or a script with a stray space) sets the security profile of "CP-1 " instead of "CP-1":
 * no station can ever connect as "CP-1 " (a charge point id is 1-48 printable ASCII characters without spaces,
 * protocol/ocppj/charge_point_id.ts), so the settings protect nothing while the real station connects at the
 * fleet's default. The writes of station security refuse such an id (400), as pre-registration and sites do.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";

const KEY = "s3cret-Authorization-Key-0001";
const NOT_STATION_IDS = ["CP-1 ", " CP-1", "CP 1", "Zähler-1", "x".repeat(49)];

Deno.test("station security cannot be set or keyed for an id no station can have", async () => {
  const server = await startApiServer();
  try {
    for (const id of NOT_STATION_IDS) {
      const path = `/api/v1/station-security/${encodeURIComponent(id)}`;
      const set = await server.json(path, {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: KEY },
      });
      assertEquals(set.status, 400, `PATCH ${JSON.stringify(id)}: ${JSON.stringify(set.body)}`);
      assertEquals(set.body.error, "invalid_request");
      assertEquals(set.body.details.in, "path");
      const generated = await server.json(`${path}/authorization-key`, { method: "POST" });
      assertEquals(
        generated.status,
        400,
        `POST key ${JSON.stringify(id)}: ${JSON.stringify(generated.body)}`,
      );
    }
    const listed = await server.json("/api/v1/station-security");
    assertEquals(listed.status, 200);
    assertEquals(listed.body.items, []);
    // A station id is still configured as before.
    const set = await server.json("/api/v1/station-security/CP-1", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    assertEquals(set.body.effectiveProfile, 1);
  } finally {
    await server.close();
  }
});
