/**
 * The load management pages in a real browser (Debian's Chromium through playwright-core): an operator
 * creates a site from the Sites page, watches two stations' sessions share it live, sees an EV that draws
 * little give its capacity to the other, lowers the limit from the page, then reads a station's stored
 * charging profiles and charts its composite schedule. A viewer gets no settings. Screenshots go to
 * test-artifacts/.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import {
  createUser,
  launch,
  logIn,
  openPage,
  shot,
  signedInPage,
  SKIP_REASON,
  skipBrowser,
} from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };
const VIEWER = { username: "vera", password: "viewer-password-1" };

/** A station that accepts every profile and answers GetCompositeSchedule from its latest TxProfile. */
async function profileStation(wsUrl: string, id: string): Promise<{ station: Station; tx: () => number }> {
  // Handlers first, boot after: load management sends its TxDefaultProfile as soon as the station boots, and
  // an unhandled one would be answered NotImplemented (and the station counted as refusing profiles).
  const station = await connectStation(wsUrl, id, { boot: false });
  let limit = 32;
  station.handle("SetChargingProfile", ({ params }) => {
    if (params.csChargingProfiles.chargingProfilePurpose === "TxProfile") {
      limit = params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;
    }
    return { status: "Accepted" };
  });
  station.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
  station.handle("GetCompositeSchedule", ({ params }) => ({
    status: "Accepted",
    connectorId: params.connectorId,
    scheduleStart: new Date().toISOString(),
    chargingSchedule: {
      chargingRateUnit: "A",
      duration: params.duration,
      chargingSchedulePeriod: [{ startPeriod: 0, limit }],
    },
  }));
  await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
  const started = await station.call("StartTransaction", {
    connectorId: 1,
    idTag: "FLEET",
    meterStart: 0,
    timestamp: new Date().toISOString(),
  });
  return { station, tx: () => started.transactionId };
}

Deno.test({
  name:
    `site page: create a site, follow its chargers live, lower its limit, chart a composite schedule${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer({ ENERGY_REBALANCE_INTERVAL_S: "0.3" });
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await createUser(server, VIEWER, "viewer");
      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      const page = await openPage(context, errors);
      await logIn(page, server.url, OPERATOR);

      // The Sites page: empty; the operator creates one for two stations.
      await page.getByRole("link", { name: "Sites" }).click();
      await page.waitForURL(`${server.url}/sites`);
      assertStringIncludes(await page.locator("main").innerText(), "No sites yet");
      await page.getByLabel("Site id").fill("yard");
      await page.getByLabel("Name").fill("Bus yard");
      await page.getByLabel("Grid limit (A per phase)").fill("20");
      await page.getByLabel("Stations (one per line)").fill("CP-A\nCP-B");
      await page.getByRole("button", { name: "Create" }).click();
      await page.waitForURL(`${server.url}/sites/yard`);
      await page.locator('[data-live="true"]').waitFor();
      assertEquals(await page.locator("[data-site-limit]").getAttribute("data-site-limit"), "20");

      // Two sessions start: the page shows their shares as they are divided, without a reload.
      const a = await profileStation(server.wsUrl, "CP-A");
      stations.push(a.station);
      const b = await profileStation(server.wsUrl, "CP-B");
      stations.push(b.station);
      await page.locator('tr[data-charger="CP-A"] [data-allocation="10"]').waitFor();
      await page.locator('tr[data-charger="CP-B"] [data-allocation="10"]').waitFor();
      // No station reports its current yet: the page says so and how to have it.
      assertStringIncludes(
        await page.locator("[data-no-measurements]").innerText(),
        "MeterValuesSampledData",
      );

      // CP-A's EV draws 4 A: the next division keeps 4 + 2 A for it and gives CP-B the rest.
      await a.station.call("MeterValues", {
        connectorId: 1,
        transactionId: a.tx(),
        meterValue: [{
          timestamp: new Date().toISOString(),
          sampledValue: [{ value: "4", measurand: "Current.Import", unit: "A", phase: "L1" }],
        }],
      });
      await page.locator('tr[data-charger="CP-A"] [data-allocation="6"]').waitFor();
      await page.locator('tr[data-charger="CP-B"] [data-allocation="14"]').waitFor();
      await page.locator('tr[data-charger="CP-A"] [data-measured="4"]').waitFor();
      assertEquals(await page.locator("[data-no-measurements]").count(), 0, "a measurement: no hint");
      const chart = page.locator('[data-chart="site-current"]');
      await chart.locator('path[data-series="Allocated"]').waitFor({ state: "attached" });
      assert(Number(await chart.getAttribute("data-points")) > 3, "the chart has samples over time");
      await shot(page, "site");

      // Lower the limit from the page: both are divided again at once.
      await page.getByLabel("Grid limit (A per phase)").fill("16");
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator('[data-site-limit="16"]').waitFor();
      await page.locator('tr[data-charger="CP-B"] [data-allocation="10"]').waitFor();
      assertEquals(
        await page.locator('tr[data-charger="CP-A"] [data-allocation]').getAttribute("data-allocation"),
        "6",
      );

      // The station page lists what CP-B holds and charts the composite schedule it reports.
      await page.locator('tr[data-charger="CP-B"] a', { hasText: "CP-B" }).click();
      await page.waitForURL(`${server.url}/stations/CP-B`);
      const panel = page.locator("section", {
        has: page.getByRole("heading", { name: "Charging profiles" }),
      });
      await panel.locator('tr[data-profile="900001"][data-profile]').waitFor();
      assertStringIncludes(await panel.innerText(), "load-managed by yard");
      assertStringIncludes(await panel.locator('tr[data-profile="900000"]').innerText(), "TxDefaultProfile");
      // Every column fits the half-width card: Clear is visible without scrolling sideways.
      const card = (await panel.boundingBox())!;
      const clear =
        (await panel.locator('tr[data-profile="900001"] button', { hasText: "Clear" }).boundingBox())!;
      assert(
        clear.x + clear.width <= card.x + card.width,
        `Clear ends at ${clear.x + clear.width}, the card at ${card.x + card.width}`,
      );
      await panel.locator('select[name="connectorId"]').selectOption("1");
      await panel.getByRole("button", { name: "Ask for the composite schedule" }).click();
      await panel.locator('[data-chart="composite-schedule"] path[data-series="Limit"]').waitFor({
        state: "attached",
      });
      assertStringIncludes(
        await panel.locator('[data-chart="composite-schedule"] figcaption').innerText(),
        "10 A",
      );
      await shot(page, "station-profiles");

      // A viewer sees the site but cannot change it.
      const viewerPage = await signedInPage(browser, server.url, VIEWER, errors);
      await viewerPage.goto(`${server.url}/sites/yard`);
      await viewerPage.locator('tr[data-charger="CP-B"]').waitFor();
      assertEquals(await viewerPage.getByRole("button", { name: "Save" }).count(), 0);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
