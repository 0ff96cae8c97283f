/**
 * A station's page in Chromium, as an operator meets a failed firmware update there: the failure stands out
 * with a Dismiss button (the overview's, here too); dismissed, the station shows "Idle" (no update in
 * progress, OCPP's word for it), not a blank, on the open page and after a reload, and its file status
 * history still lists the failure. A station that never reported a status shows Idle too; a viewer sees the
 * failure but no button.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const VIEWER = { username: "vic", password: "viewer-password-1" };

Deno.test({
  name: `a station's page shows a firmware failure to dismiss, then Idle, never a blank${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-FWPAGE");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await createUser(server, VIEWER, "viewer");
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-FWPAGE`);
      const firmware = page.locator("[data-firmware-status]");
      const diagnostics = page.locator("[data-diagnostics-status]");
      await page.locator("[data-live='true']").first().waitFor();
      // Never reported: no update in progress.
      assertEquals(await firmware.innerText(), "Idle");
      assertEquals(await diagnostics.innerText(), "Idle");

      await station.call("FirmwareStatusNotification", { status: "Downloading" });
      await page.locator("[data-firmware-status='Downloading']").waitFor();
      await station.call("FirmwareStatusNotification", { status: "InstallationFailed" });
      const failed = page.locator("[data-firmware-status='InstallationFailed'][data-firmware-failed]");
      await failed.waitFor();
      assertStringIncludes(await failed.innerText(), "InstallationFailed");

      // A viewer sees it, without the button.
      const viewerPage = await signedInPage(browser, server.url, VIEWER, errors);
      await viewerPage.goto(`${server.url}/stations/CP-FWPAGE`);
      await viewerPage.locator("[data-firmware-failed]").waitFor();
      assertEquals(await viewerPage.getByRole("button", { name: /Dismiss/ }).count(), 0);

      await page.getByRole("button", { name: "Dismiss InstallationFailed of CP-FWPAGE" }).click();
      await page.locator("[data-firmware-status='Idle']").waitFor();
      assertEquals(await page.locator("[data-firmware-failed]").count(), 0);
      // The viewer's open page hears of it too.
      await viewerPage.locator("[data-firmware-status='Idle']").waitFor();

      await page.reload();
      assertEquals(await firmware.innerText(), "Idle");
      // What it was is kept where the station's statuses are listed.
      assertStringIncludes(await page.locator("body").innerText(), "InstallationFailed");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});
