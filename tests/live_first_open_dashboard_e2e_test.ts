/**
 * A live island reads what it may have missed when its event stream first opens, not only when it comes back
 * after a drop: an event between the page's render and that open (the stream held by the network) is shown
 * as soon as the stream is live. The station page has no periodic refresh, so without it the event would
 * only show after a reload (a connector's status, a session started in its recent transactions); the overview (refreshed every 10 s) shows it within 4 s, with one read. In
 * Chromium, the EventSource's request held by a route until the event is stored.
 */
import { assertEquals } from "@std/assert";
import type { Browser, Page, Route } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };
const ID = "CP-FIRST-OPEN";

Deno.test({
  name: `a station page shows a status reported before its event stream first opened${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, ID);
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      const status = (status: string) =>
        station.call("StatusNotification", {
          connectorId: 1,
          errorCode: status === "Faulted" ? "GroundFailure" : "NoError",
          status,
          timestamp: new Date().toISOString(),
        });
      await status("Available");

      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      // The stream's request is held until released: what happens meanwhile is not on the stream.
      const { streamAsked, release } = await holdEventStream(page);
      await page.goto(`${server.url}/stations/${ID}`);
      const connector = page.locator('table.connectors tr[data-connector="1"]');
      assertEquals(await connector.getAttribute("data-status"), "Available");
      // The islands are hydrated (their stream asked for), the page rendered with Available.
      await streamAsked;
      await status("Faulted");
      // And a session starts: the station page's recent transactions, on the same stream, read it too.
      const started = await station.call("StartTransaction", {
        connectorId: 2,
        idTag: "ANY-TAG",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });
      release();
      await page.locator('[data-live="true"]').first().waitFor();
      // Shown at once: the station page has no periodic refresh to fall back on.
      await page.locator('table.connectors tr[data-connector="1"][data-status="Faulted"]').waitFor({
        timeout: 5000,
      });
      await page.getByRole("table", { name: "Recent transactions" })
        .locator(`tr[data-transaction="${started.transactionId}"][data-status="active"]`)
        .waitFor({ timeout: 5000 });
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

Deno.test({
  name:
    `the overview shows a failure reported before its event stream first opened, with one read${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, ID);
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      const { streamAsked, release } = await holdEventStream(page);
      await page.reload();
      await page.locator('[data-attention="firmware"][data-count="0"]').waitFor();
      await streamAsked;
      await station.call("FirmwareStatusNotification", { status: "InstallationFailed" });
      let reads = 0;
      page.on("request", (r) => {
        if (new URL(r.url()).pathname === "/api/v1/overview") reads++;
      });
      release();
      await page.locator('[data-live="true"]').first().waitFor();
      // Within 4 s: the read at the stream's open, not the periodic refresh (10 s).
      await page.locator('[data-attention="firmware"][data-count="1"]').waitFor({ timeout: 4000 });
      // Once: the open's read, not the island's own as well.
      await new Promise((r) => setTimeout(r, 1500));
      assertEquals(reads, 1);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

/**
 * Holds the page's event stream requests until `release()`: `streamAsked` settles when the first is made (the
 * islands hydrated and subscribed).
 */
async function holdEventStream(page: Page): Promise<{ streamAsked: Promise<void>; release: () => void }> {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  let asked!: () => void;
  const streamAsked = new Promise<void>((r) => asked = r);
  await page.route(/\/api\/v1\/events\?/, async (route: Route) => {
    asked();
    await released;
    await route.continue().catch(() => {});
  });
  return { streamAsked, release };
}
