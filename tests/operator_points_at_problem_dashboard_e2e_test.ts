/**
 * The dashboard in Chromium points an operator at the problem, with real stations in trouble:
 * - the overview shows a faulted connector's error (its code, the station's info) beside its chip, not only
 *   in a tooltip: the first thing to know of a fault, readable without opening each station;
 * - a station refused at its boot (Rejected) says on its page what that means for it and, to an admin, offers
 *   Accept there; accepted, its next BootNotification is let in. An operator sees the explanation, no button.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };

Deno.test({
  name:
    `the overview shows a fault's error and a rejected station's page says why and offers Accept${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      const faulted = await connectStation(server.wsUrl, "CP-GROUNDFAULT");
      stations.push(faulted);
      await faulted.call("StatusNotification", {
        connectorId: 2,
        errorCode: "GroundFailure",
        status: "Faulted",
        info: "RCD tripped",
        vendorErrorCode: "E42",
      });
      await faulted.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      const put = await server.json("/api/v1/charge-points/CP-REFUSED", {
        method: "PUT",
        body: { registrationStatus: "Rejected" },
      });
      assertEquals(put.status, 201);
      const refused = await connectStation(server.wsUrl, "CP-REFUSED", { boot: false });
      stations.push(refused);
      const boot = () =>
        refused.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
      assertEquals((await boot()).status, "Rejected");

      const page = await signedInPage(browser, server.url, ADMIN, errors);
      const row = page.locator('tr:has(a[href="/stations/CP-GROUNDFAULT"])');
      const fault = row.locator('[data-connector-error="2"]');
      await fault.waitFor();
      assertEquals(await fault.innerText(), "#2 GroundFailure: RCD tripped");
      // A healthy connector says nothing more.
      assertEquals(await row.locator('[data-connector-error="1"]').count(), 0);

      await page.goto(`${server.url}/stations/CP-REFUSED`);
      const registration = page.locator("[data-registration='Rejected']");
      await registration.waitFor();
      assertStringIncludes(await registration.innerText(), "refused at its boot");
      await page.getByRole("button", { name: "Accept CP-REFUSED" }).click();
      await page.locator("[data-registration='Accepted']").waitFor();
      assertEquals((await boot()).status, "Accepted");

      // An operator (who cannot accept) is told what it means, with no button.
      await server.json("/api/v1/charge-points/CP-REFUSED", {
        method: "PUT",
        body: { registrationStatus: "Rejected" },
      });
      const operatorPage = await signedInPage(browser, server.url, OPERATOR, errors);
      await operatorPage.goto(`${server.url}/stations/CP-REFUSED`);
      await operatorPage.locator("[data-registration='Rejected']").waitFor();
      assertEquals(await operatorPage.getByRole("button", { name: "Accept CP-REFUSED" }).count(), 0);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
