/**
 * ChangeAvailability names a connector (1.6) or an EVSE (2.0.1) the station has reported: one it has not is
 * refused before it goes out (409 naming the connectors it has; force sends it anyway), and the station page's
 * Commands form warns of it while the operator types, as the Remote start warns of a Faulted connector. The
 * whole station (connector 0, no EVSE) and a reported connector go out as before.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test({
  name:
    `ChangeAvailability for a connector the station has not reported is refused and warned of${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      const station = await connectStation(server.wsUrl, "CP-AVAIL");
      stations.push(station);
      const asked: number[] = [];
      station.handle("ChangeAvailability", ({ params }) => {
        asked.push(params.connectorId as number);
        return { status: "Accepted" };
      });
      for (const connectorId of [0, 1, 2]) {
        await station.call("StatusNotification", { connectorId, errorCode: "NoError", status: "Available" });
      }
      const change = (body: unknown, query = "") =>
        server.json(`/api/v1/charge-points/CP-AVAIL/ChangeAvailability${query}`, {
          method: "POST",
          body,
          as: "operator",
        });

      const refused = await change({ connectorId: 3, type: "Inoperative" });
      assertEquals(
        [refused.status, refused.body.error],
        [409, "command_refused"],
        JSON.stringify(refused.body),
      );
      assertStringIncludes(
        refused.body.message,
        "connector 3 is not one the station has reported (it has 1, 2)",
      );
      assertEquals(asked.length, 0, "nothing was sent");
      for (const connectorId of [0, 2]) {
        assertEquals((await change({ connectorId, type: "Inoperative" })).status, 200);
      }
      assertEquals((await change({ connectorId: 3, type: "Inoperative" }, "?force=true")).status, 200);
      assertEquals(asked, [0, 2, 3]);

      // 2.0.1: by EVSE.
      const s201 = await connectStation201(server.wsUrl, "CP-AVAIL-201");
      stations.push(s201);
      s201.handle("ChangeAvailability", () => ({ status: "Accepted" }));
      await s201.call("StatusNotification", {
        timestamp: new Date().toISOString(),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
      const change201 = (evse?: number) =>
        server.json("/api/v1/charge-points/CP-AVAIL-201/ChangeAvailability", {
          method: "POST",
          body: { operationalStatus: "Inoperative", ...(evse !== undefined ? { evse: { id: evse } } : {}) },
          as: "operator",
        });
      const refused201 = await change201(2);
      assertEquals(refused201.status, 409, JSON.stringify(refused201.body));
      assertStringIncludes(refused201.body.message, "EVSE 2 is not one the station has reported (it has 1)");
      assertEquals((await change201(1)).status, 200);
      assertEquals((await change201()).status, 200);

      // The station page: warned while typing, refused in words when sent.
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-AVAIL`);
      await page.locator("[data-live='true']").first().waitFor();
      const forms = page.locator('section[aria-labelledby="commands-title"]');
      await forms.locator('select[name="action"]').selectOption("ChangeAvailability");
      const connector = forms.locator('input[name="connectorId"]');
      const warning = forms.locator("[data-connector-warning]");
      await connector.fill("2");
      assertEquals(await warning.count(), 0);
      await connector.fill("3");
      await warning.waitFor();
      assertStringIncludes(await warning.innerText(), "connector 3 is not one the station has reported");
      // A connector the station reports while the page is open is known from then on.
      await station.call("StatusNotification", { connectorId: 3, errorCode: "NoError", status: "Available" });
      await warning.waitFor({ state: "detached" });
      await connector.fill("4");
      await warning.waitFor();
      await forms.getByRole("button", { name: /^Send: / }).click();
      const outcome = forms.locator('[data-command-result="error"]');
      await outcome.waitFor();
      assertStringIncludes(await outcome.innerText(), "connector 4 is not one the station has reported");
      assert(!asked.includes(4));
      // Chromium logs the refusal's 409 (the answer the test asks for) as a console error.
      assertEquals(errors.filter((e) => !e.includes("status of 409 (Conflict)")), []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
