/**
 * The station page's activity follows the station live, in real Chromium: each event for the station reads
 * its lists again. Two refreshes may be out at once (a second event while the first read is slow); the
 * answer of the older one, landing last, must not put back the list as it was before the newer one.
 */
import { assert } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { bootedRawStation, rawAnswer } from "./helpers/station.ts";

const STATION = "CP-REFRESH-ORDER";

Deno.test({
  name:
    `the station page's status history keeps the newest read when an older refresh answers last${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await bootedRawStation(`${server.wsUrl}/${STATION}`);
    let browser: Browser | undefined;
    const errors: string[] = [];
    const status = (info: string) =>
      rawAnswer(station, "StatusNotification", {
        connectorId: 1,
        errorCode: "OtherError",
        status: "Available",
        info,
      });
    try {
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/stations/${STATION}`);
      const history = page.getByRole("table", { name: "Status history", exact: true });
      await history.waitFor();
      // The first refresh's read is made at once and answered late: an old answer that lands last.
      let delayed = 0;
      const landed = Promise.withResolvers<void>();
      await page.route(/\/status-history\?limit=\d+$/, async (route) => {
        if (delayed++ > 0) return await route.continue();
        const response = await route.fetch();
        await new Promise((r) => setTimeout(r, 1500));
        await route.fulfill({ response }).catch(() => {});
        landed.resolve();
      });
      await status("first-change");
      await page.waitForTimeout(600);
      await status("second-change");
      await history.getByText("second-change").waitFor({ timeout: 5000 });
      await landed.promise;
      await page.waitForTimeout(500);
      const rows = await history.locator("tbody tr").allInnerTexts();
      assert(
        rows[0]?.includes("second-change"),
        `the newest read was put back by an older one:\n${rows.join("\n")}`,
      );
      assert(errors.length === 0, errors.join("\n"));
    } finally {
      await browser?.close();
      await station.close();
      await server.close();
    }
  },
});
