/**
 * The station page reads its histories further back, in real Chromium: the status history and the command log
 * show their newest 50 and an "Older" button adds the next page below (each entry once, those of one
 * millisecond too), until there is none; the file transfer statuses, server-rendered, link to their older page.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { StatusHistoryEntry } from "../model/status_history.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";

const STATION = "CP-OLDER";
/** One millisecond for all: only the store's sequence tells them apart. */
const AT = "2024-06-01T10:00:00.000Z";

Deno.test({
  name: `the station page's histories read further back with Older, each entry once${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      const put = await server.json(`/api/v1/charge-points/${STATION}`, {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      });
      assertEquals(put.status, 201);
      const status: StatusHistoryEntry[] = Array.from({ length: 62 }, (_, i) => ({
        chargePointId: STATION,
        connectorId: 1,
        status: "Available",
        errorCode: "InternalError",
        info: `fault-${i}`,
        timestamp: AT,
        receivedAt: AT,
      }));
      await server.store.commit({ chargePointId: STATION, statusHistory: status.slice(0, 30) });
      await server.store.commit({ chargePointId: STATION, statusHistory: status.slice(30) });
      const commands: CommandLogEntry[] = Array.from({ length: 55 }, (_, i) => ({
        id: `cmd-older-${i}`,
        chargePointId: STATION,
        action: "Reset",
        payload: { type: `Soft-${i}` },
        requestedBy: "user:root",
        requestedAt: AT,
        outcome: "accepted",
        response: { status: "Accepted" },
        finishedAt: AT,
      }));
      for (const c of commands) await server.store.appendCommandLog(c);
      await server.store.commit({
        chargePointId: STATION,
        fileStatus: Array.from({ length: 53 }, (_, i) => ({
          chargePointId: STATION,
          kind: "diagnostics" as const,
          status: "Uploading",
          requestId: 1000 + i,
          receivedAt: AT,
        })),
      });

      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/stations/${STATION}`);

      // Status history: 50, then Older adds the 12 before them; newest (the later stored) first.
      const history = page.getByRole("table", { name: "Status history", exact: true });
      const faults = async () =>
        (await history.locator("tbody tr").allInnerTexts()).map((t) => /fault-\d+/.exec(t)?.[0]);
      const wantFaults = status.map((s) => s.info).reverse();
      assertEquals(await faults(), wantFaults.slice(0, 50));
      // The server failing that read: said in the panel, the list as it was, Older still there to try again.
      const failing = /\/status-history\?.*before=/;
      await page.route(failing, (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({
            error: "store_unavailable",
            message: "The store is not answering",
            details: {},
          }),
        }));
      await page.locator('[data-older="history"]').click();
      const alert = page.locator("#activity-title ~ p[role=alert]");
      await alert.waitFor();
      assert((await alert.innerText()).includes("The store is not answering"), await alert.innerText());
      assertEquals(await faults(), wantFaults.slice(0, 50));
      await page.unroute(failing);
      errors.splice(0); // the refused read is logged as a console error
      // A refresh (an event for the station) in flight while Older lands, its answer late: the list Older made
      // longer is not cut back to the 50 the refresh asked for (it is read again instead).
      const slowRefresh = /\/status-history\?limit=50$/;
      await page.route(slowRefresh, async (route) => {
        await new Promise((r) => setTimeout(r, 1000));
        await route.continue().catch(() => {});
      });
      const asked = page.waitForRequest(slowRefresh);
      for (const [method, path] of [["DELETE", ""], ["POST", "/recommission"]] as const) {
        assertEquals((await server.json(`/api/v1/charge-points/${STATION}${path}`, { method })).status, 200);
      }
      await asked;
      await page.locator('[data-older="history"]').click();
      await history.locator("tbody tr").nth(61).waitFor();
      await page.waitForTimeout(1500);
      await page.unroute(slowRefresh);
      assertEquals(await faults(), wantFaults);
      assertEquals(await alert.count(), 0, "the alert goes once a read works");
      assertEquals(await page.locator('[data-older="history"]').count(), 0, "no Older after the last page");
      // An event for the station (taken out of service and back) makes the list read again, as many as it
      // shows: the API gives a cursor whenever a page is full, so a refresh asking for exactly 62 offered
      // Older again with nothing older (it asks for one more than shown).
      const refreshed = page.waitForResponse((r) => /\/status-history\?limit=\d+$/.test(r.url()));
      const steps = [["DELETE", ""], ["POST", "/recommission"]] as const;
      const answers = [];
      for (const [method, path] of steps) {
        answers.push((await server.json(`/api/v1/charge-points/${STATION}${path}`, { method })).status);
      }
      await refreshed;
      assertEquals(answers, [200, 200]);
      await page.waitForTimeout(200);
      assertEquals(await faults(), wantFaults, "the refresh keeps every entry shown");
      assertEquals(await page.locator('[data-older="history"]').count(), 0, "no Older after a refresh");

      // The command log: 50, then the 5 older.
      await page.getByRole("tab", { name: /Command log/ }).click();
      const log = page.getByRole("table", { name: "Command log", exact: true });
      // One tbody per command: its row and its payload / answer row.
      const sent = async () =>
        (await log.locator("tbody").allInnerTexts()).map((t) => /Soft-\d+/.exec(t)?.[0]);
      const wantSent = commands.map((c) => (c.payload as { type: string }).type).reverse();
      assertEquals(await sent(), wantSent.slice(0, 50));
      await page.locator('[data-older="commands"]').click();
      await log.locator("tbody").nth(54).waitFor();
      assertEquals(await sent(), wantSent);
      assertEquals(await page.getByRole("tab", { name: "Command log (55)" }).count(), 1);

      // Transfer statuses: a link to the older page, which shows the 3 before and links back to the newest.
      const transfers = page.getByRole("table", { name: "Transfer status history" });
      const requests = async () =>
        (await transfers.locator("tbody tr").allInnerTexts()).map((t) => /10\d\d/.exec(t)?.[0]);
      const wantRequests = Array.from({ length: 53 }, (_, i) => String(1052 - i));
      assertEquals(await requests(), wantRequests.slice(0, 50));
      await page.locator('[data-pager="fileStatusBefore"]').click();
      await page.getByRole("heading", { name: "Transfer status history (older)" }).waitFor();
      assertEquals(await requests(), wantRequests.slice(50));
      assertEquals(await page.locator('[data-pager="fileStatusBefore"]').count(), 0);
      assert(await page.getByRole("link", { name: "Newest" }).count() >= 1);

      // A cursor that is not one: the page is a 400, not the newest again.
      const refused = await page.goto(`${server.url}/stations/${STATION}?fileStatusBefore=nonsense`);
      assertEquals(refused?.status(), 400);
      errors.splice(0); // the 400 page's own load is logged as a console error
    } finally {
      await browser?.close();
      await server.close();
    }
    assertEquals(errors, []);
  },
});
