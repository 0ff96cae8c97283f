/**
 * Secrets an older version stored in clear (before OCPP 2.0.1 variables were redacted): a device model entry
 * holding `SecurityCtrlr.BasicAuthPassword`'s value, a SetVariables and a ChangeConfiguration in the command
 * log. A viewer reading the API or the station page, on either store, sees them redacted.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const STORED_SECRET = "password-stored-by-an-older-version-SECRET";
const AUTH_KEY = "authorization-key-stored-by-an-older-version-SECRET";

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: secrets an older version stored in clear are served redacted`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation201(server.wsUrl, "CP-OLD");
      await closeStation(station);
      const at = new Date().toISOString();
      const command = (id: string, action: string, payload: unknown) => ({
        id,
        chargePointId: "CP-OLD",
        action,
        payload,
        requestedBy: "operator:old",
        requestedAt: at,
        outcome: "accepted" as const,
        response: {},
        finishedAt: at,
      });
      const result = await server.store.commit({
        chargePointId: "CP-OLD",
        deviceModel: [{
          chargePointId: "CP-OLD",
          component: { name: "SecurityCtrlr" },
          variable: { name: "BasicAuthPassword" },
          attributes: [{ type: "Actual", value: STORED_SECRET, mutability: "WriteOnly" }],
          requestId: 1,
          generatedAt: at,
          receivedAt: at,
        }],
        commandLog: [
          command("old-1", "SetVariables", {
            setVariableData: [{
              attributeValue: STORED_SECRET,
              component: { name: "SecurityCtrlr" },
              variable: { name: "BasicAuthPassword" },
            }],
          }),
          command("old-2", "ChangeConfiguration", { key: "AuthorizationKey", value: AUTH_KEY }),
        ],
      });
      assertEquals(result.ok, true);
      const stored = JSON.stringify(await server.store.listDeviceModel("CP-OLD", { limit: 10 }));
      assert(stored.includes(STORED_SECRET), "the test's premise: the store holds the old secret");

      for (const path of ["device-model", "commands"]) {
        const res = await server.json(`/api/v1/charge-points/CP-OLD/${path}`, { as: "viewer" });
        assertEquals(res.status, 200, path);
        const text = JSON.stringify(res.body);
        assert(!text.includes(STORED_SECRET) && !text.includes(AUTH_KEY), `${path} shows a secret: ${text}`);
        assert(text.includes("[redacted]"), `${path}: ${text}`);
      }
      const model = await server.json("/api/v1/charge-points/CP-OLD/device-model", { as: "viewer" });
      assertEquals(model.body.items[0].variable.name, "BasicAuthPassword", "the name stays readable");

      await server.json("/api/v1/users", {
        method: "POST",
        body: { username: "vera", role: "viewer", password: "vera-password-1" },
      });
      const cookie = await server.login("vera", "vera-password-1");
      const page = await fetch(`${server.url}/stations/CP-OLD`, { headers: { cookie } });
      const html = await page.text();
      assertEquals(page.status, 200);
      assert(html.includes("BasicAuthPassword"), "the page shows the device model");
      assert(!html.includes(STORED_SECRET) && !html.includes(AUTH_KEY), "the station page embeds a secret");
    });
  });
}
