/**
 * Decommissioning from the dashboard, in real Chromium: an admin takes a station out of service on its page
 * (after a confirmation), the station's socket is closed with 4003, the page marks it, the overview no longer
 * lists it (the handshakes page does, with a link to it), and "Put back in service" lets it boot again. An
 * operator's page has no such card.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
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
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };

function closeCode(station: Station): Promise<number> {
  return new Promise((resolve) =>
    (station as unknown as { once(e: string, f: (x: { code: number }) => void): void }).once(
      "close",
      (e) => resolve(e.code),
    )
  );
}

Deno.test({
  name: `an admin decommissions a station on its page and puts it back in service${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      const old = await connectStation(server.wsUrl, "CP-OLD");
      stations.push(old, await connectStation(server.wsUrl, "CP-KEEP"));
      const closed = closeCode(old);
      browser = await launch();

      // An operator sees the station but no Service card.
      const asOperator = await signedInPage(browser, server.url, OPERATOR, errors);
      await asOperator.goto(`${server.url}/stations/CP-OLD`);
      await asOperator.getByRole("heading", { name: "Recent transactions" }).waitFor();
      assertEquals(await asOperator.locator("[data-service]").count(), 0);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.accept();
      });
      await logIn(page, server.url, ADMIN);
      await page.locator('tr[data-station="CP-OLD"]').waitFor();
      await page.goto(`${server.url}/stations/CP-OLD`);
      const card = page.locator("[data-service]");
      assertEquals(await card.getAttribute("data-service"), "in-service");
      await card.getByRole("button", { name: "Decommission" }).click();
      await page.locator('[data-service="decommissioned"]').waitFor();
      assert(dialogs[0]?.startsWith("Decommission CP-OLD?"), dialogs[0]);
      assertEquals(await closed, 4003);
      await page.getByText("Decommissioned: closed, and refused whenever it connects").waitFor();
      await page.reload();
      await page.getByTestId("decommissioned").waitFor();
      await shot(page, "station-decommissioned");

      // Gone from the overview; CP-KEEP stays.
      await page.goto(`${server.url}/`);
      await page.locator('tr[data-station="CP-KEEP"]').waitFor();
      await eventually(async () => (await page.locator('tr[data-station="CP-OLD"]').count()) === 0);

      // Listed on the handshakes page, whose link leads back to it; there it is put back in service.
      await page.goto(`${server.url}/handshakes`);
      await page.locator('tr[data-decommissioned="CP-OLD"]').getByRole("link", { name: "CP-OLD" }).click();
      await page.waitForURL(`${server.url}/stations/CP-OLD`);
      await page.getByRole("button", { name: "Put back in service" }).click();
      await page.locator('[data-service="in-service"]').waitFor();
      const back = await connectStation(server.wsUrl, "CP-OLD");
      stations.push(back);
      assertEquals(typeof (await back.call("Heartbeat", {})).currentTime, "string");
      assertEquals(errors, []);
    } finally {
      for (const s of stations) await closeStation(s).catch(() => {});
      await browser?.close();
      await server.close();
    }
  },
});
