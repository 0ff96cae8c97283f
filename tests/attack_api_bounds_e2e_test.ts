/**
 * Operator API input that PostgreSQL cannot store, or that no station has: refused with 400 naming the field on
 * both stores (PostgreSQL answered 500, KV stored it): a GetLog requestId past 32 bits, a charging profile's
 * connectorId below 0, a firmware name holding NUL in a multipart form.
 */
import { assertEquals } from "@std/assert";
import { ADMIN } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: out-of-range and ill-formed operator input is a 400, nothing stored`, async () => {
    await withApiServer(kind, async (server) => {
      const put = await server.json("/api/v1/charge-points/QA-CP1", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      });
      assertEquals(put.status, 201);
      const upload = await server.json("/api/v1/charge-points/QA-CP1/upload-urls", {
        method: "POST",
        as: "operator",
        body: { kind: "log", requestId: 2 ** 31, logType: "DiagnosticsLog" },
      });
      assertEquals(
        [upload.status, upload.body.details?.field],
        [400, "requestId"],
        JSON.stringify(upload.body),
      );

      const profile = await server.json("/api/v1/charge-points/QA-CP1/charging-profiles", {
        method: "POST",
        as: "operator",
        body: {
          connectorId: -1,
          csChargingProfiles: {
            chargingProfileId: 4242,
            stackLevel: 0,
            chargingProfilePurpose: "TxDefaultProfile",
            chargingProfileKind: "Absolute",
            chargingSchedule: {
              chargingRateUnit: "A",
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
            },
          },
        },
      });
      assertEquals(
        [profile.status, profile.body.details?.field],
        [400, "connectorId"],
        JSON.stringify(profile.body),
      );
      const stored = await server.json("/api/v1/charge-points/QA-CP1/charging-profiles", { as: "viewer" });
      assertEquals(stored.body.items ?? stored.body, []);

      const cookie = await server.login(ADMIN.username, ADMIN.password);
      // (A lone surrogate cannot travel in a multipart form: UTF-8 has no way to write it.)
      for (const name of ["a\u0000b", "\u0000"]) {
        const form = new FormData();
        form.append("name", name);
        form.append("file", new File([new Uint8Array([1, 2, 3])], "fw.bin"));
        const res = await fetch(`${server.url}/api/v1/firmware`, {
          method: "POST",
          headers: { cookie, origin: server.url },
          body: form,
        });
        const body = await res.json();
        assertEquals([res.status, body.details?.field], [400, "name"], JSON.stringify(body));
      }
      const images = await server.json("/api/v1/firmware", { as: "viewer" });
      assertEquals(images.body.items, []);
    });
  });
}
