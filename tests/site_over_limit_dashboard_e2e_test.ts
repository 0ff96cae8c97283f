/**
 * A site whose sessions it cannot steer are counted above its grid limit says so on its page, live: two strict
 * ocpp-rpc 1.6 stations that refuse charging profiles (no SetChargingProfile handler: NotImplemented) each
 * count their maximum (32 A) against a 40 A site. One session fits and nothing is said; the second brings the
 * counted load to 64 A, and the page warns that the connection may be overdrawn (before, it showed "Counted,
 * not steerable 64 A" beside "Grid limit 40 A" and left the comparison to the operator).
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

Deno.test({
  name: `a site's page warns when the load it cannot steer is counted above its grid limit${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      for (const id of ["CP-YARD-1", "CP-YARD-2"]) stations.push(await connectStation(server.wsUrl, id));
      const put = await server.json("/api/v1/sites/yard", {
        method: "PUT",
        body: { name: "Yard", maxCurrentA: 40, chargePointIds: ["CP-YARD-1", "CP-YARD-2"] },
      });
      assertEquals(put.status, 201);
      const start = (station: Station) =>
        station.call("StartTransaction", {
          connectorId: 1,
          idTag: "TAG-YARD",
          meterStart: 0,
          timestamp: new Date().toISOString(),
        });

      const page = await openPage(await browser.newContext(), errors);
      await logIn(page, server.url, ADMIN);
      await page.goto(`${server.url}/sites/yard`);
      await page.locator("[data-live='true']").waitFor();
      const row = (id: string) => page.locator("tr", { has: page.getByRole("link", { name: id }) });

      await start(stations[0]!);
      await row("CP-YARD-1").getByText("refuses profiles").waitFor();
      const warning = page.locator("[data-site-over-limit]");
      assertEquals(await warning.count(), 0, "32 A counted of 40 A: nothing to say");

      await start(stations[1]!);
      await warning.waitFor();
      const said = await warning.innerText();
      assertStringIncludes(said, "counted at 64 A, above its 40 A limit");
      assertStringIncludes(said, "may draw more than the grid connection allows");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
