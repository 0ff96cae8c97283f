/**
 * Stuck sessions on the dashboard, in a real browser: a transaction left open across its station's reboot is
 * pointed at on the overview (needs attention) and on the transactions page and shows its flag on its own page; an admin closes it by hand there (proposed from its last energy reading), and the page
 * then shows it finished with the closed-by-hand flag. An operator sees the flags but no close form.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import {
  createUser,
  launch,
  logIn,
  openPage,
  signedInPage,
  SKIP_REASON,
  skipBrowser as skip,
} from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

Deno.test({
  name:
    `dashboard: a session left open across a reboot is flagged on its page, and an admin closes it there by hand${SKIP_REASON}`,
  ignore: skip,
  async fn() {
    const server = await startApiServer({ FLEET_POLL_MS: "50" });
    let browser: Browser | undefined;
    let station: Station | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      station = await connectStation(server.wsUrl, "CP-FORGOT");
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-1",
        meterStart: 1000,
        timestamp: minutesAgo(120),
      });
      await station.call("MeterValues", {
        connectorId: 1,
        transactionId,
        meterValue: [{ timestamp: minutesAgo(90), sampledValue: [{ value: "4000" }] }],
      });
      // The station reboots, forgets the session and reports the connector free.
      await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
      await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
      await eventually(
        async () =>
          (await server.json(`/api/v1/transaction-flags?transactionId=${transactionId}`, { as: "viewer" }))
            .body
            .items.length === 1,
        5000,
        "the open_after_reboot flag",
      );

      browser = await launch();
      const operatorPage = await signedInPage(browser, server.url, OPERATOR, errors);
      await operatorPage.goto(`${server.url}/transactions/${transactionId}`);
      await operatorPage.locator('[data-flag="open_after_reboot"]').waitFor();
      assertEquals(await operatorPage.locator("[data-close-transaction]").count(), 0, "admins only");

      const page = await openPage(await browser.newContext(), errors);
      page.on("dialog", (dialog) => void dialog.accept());
      await logIn(page, server.url, ADMIN);
      // The overview points at it (a stuck session needs attention), and its chip finds the station.
      await page.locator('[data-attention="stuck"][data-count="1"]').click();
      await page.locator('tr[data-station="CP-FORGOT"]').waitFor();
      // The transactions page points at it.
      await page.goto(`${server.url}/transactions`);
      await page.locator(`[data-stuck-transaction="${transactionId}"] a`).first().click();
      await page.waitForURL(new RegExp(`/transactions/${transactionId}$`));
      const flag = page.locator('[data-flag="open_after_reboot"]');
      await flag.waitFor();
      assertStringIncludes(await flag.innerText(), "reported connector 1 Available");
      const form = page.locator("[data-close-transaction]");
      // Forgotten by its station (connector 1 reported Available): no warning.
      assertEquals(await form.locator("[data-still-running]").count(), 0);
      assertEquals(await form.getByLabel("Meter at the end (Wh)").inputValue(), "4000", "the last reading");
      await form.getByLabel("Reason").fill("forgotten across a reboot");
      await form.getByRole("button", { name: "Close transaction" }).click();
      await page.locator('[data-flag="closed_by_operator"]').waitFor();
      assertEquals(await page.locator("[data-tx-status]").first().getAttribute("data-tx-status"), "finished");
      assertEquals(await page.locator("[data-close-transaction]").count(), 0, "nothing left to close");
      assertStringIncludes(
        await page.locator('[data-flag="closed_by_operator"]').innerText(),
        "forgotten across a reboot",
      );
      await page.goto(`${server.url}/transactions`);
      await page.locator("[data-total-count]").waitFor();
      assertEquals(await page.locator("[data-stuck]").count(), 0, "closed: no longer pointed at");
      await page.goto(`${server.url}/`);
      await page.locator('[data-attention="stuck"][data-count="0"]').waitFor();
      const tx = (await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" })).body;
      assertEquals([tx.status, tx.meterStop, tx.stopReason, tx.energyWh], [
        "finished",
        4000,
        "ClosedByOperator",
        3000,
      ]);

      // A session its connected station still runs: the admin is told the close would not stop it.
      const running = await station.call("StartTransaction", {
        connectorId: 2,
        idTag: "TAG-1",
        meterStart: 0,
        timestamp: minutesAgo(5),
      });
      await station.call("StatusNotification", { connectorId: 2, status: "Charging", errorCode: "NoError" });
      await page.goto(`${server.url}/transactions/${running.transactionId}`);
      const warning = page.locator("[data-close-transaction] [data-still-running]");
      await warning.waitFor();
      assertStringIncludes(
        await warning.innerText(),
        "CP-FORGOT is connected and still reports this session",
      );
      const asked: string[] = [];
      page.removeAllListeners("dialog");
      page.once("dialog", (dialog) => void (asked.push(dialog.message()), dialog.dismiss()));
      await page.locator("[data-close-transaction]").getByLabel("Reason").fill("by mistake");
      await page.getByRole("button", { name: "Close transaction" }).click();
      await eventually(() => asked.length === 1, 5000, "the close asked first");
      assertStringIncludes(asked[0]!, "closing it here does not stop the charging");
      assertEquals(
        (await server.json(`/api/v1/transactions/${running.transactionId}`, { as: "viewer" })).body.status,
        "active",
      );
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      if (station) await closeStation(station);
      await server.close();
    }
  },
});
