/**
 * The close-by-hand form's warning that the station is connected and still runs the session follows the
 * station live: it goes when the station disconnects (the session may well be forgotten now) and comes back
 * when it reconnects still reporting it, without a reload. It was decided when the page was made and kept
 * through a disconnect. A strict ocpp-rpc 1.6 station drops and comes back; the page is open in Chromium.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { requestsSettled } from "./helpers/requests_settled.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

Deno.test({
  name: `the close-by-hand warning follows its station's disconnect and reconnect${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let station: Station = await connectStation(server.wsUrl, "CP-CLOSE-LINK");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-LINK",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }) as { transactionId: number };

      const page = await signedInPage(browser, server.url, ADMIN, errors);
      // Stop charging and this form follow the station from one read per connect or open, not one each.
      const stationReads: string[] = [];
      page.on("request", (request) => {
        const { pathname } = new URL(request.url());
        if (pathname === "/api/v1/charge-points/CP-CLOSE-LINK") stationReads.push(pathname);
      });
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const form = page.locator("[data-close-transaction]");
      const warning = form.locator("[data-still-running]");
      await warning.waitFor();
      assertStringIncludes(
        await warning.innerText(),
        "CP-CLOSE-LINK is connected and still reports this session",
      );
      assertEquals(await confirmation(page), "CP-CLOSE-LINK is connected and still reports it");

      // It drops: the warning goes, live (and the confirmation no longer says it is connected).
      await closeStation(station);
      await warning.waitFor({ state: "detached", timeout: 15_000 });
      assertEquals(await form.getByRole("button", { name: "Close transaction" }).isVisible(), true);
      assertEquals(await confirmation(page), "");

      // It comes back (a network drop, no reboot) still reporting the session: the warning is back.
      station = await connectStation(server.wsUrl, "CP-CLOSE-LINK", { boot: false });
      await warning.waitFor({ timeout: 15_000 });
      await page.locator("[data-stop-transaction][data-reach='running']").waitFor();
      await requestsSettled(stationReads);
      // The open's read, then the connect's.
      assertEquals(stationReads.length, 2);
      assertStringIncludes(await warning.innerText(), "on connector 1: it is not forgotten");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

/** The start of the question Close transaction asks (dismissed): the warning's sentence, or "" without one. */
async function confirmation(page: import("playwright-core").Page): Promise<string> {
  await page.getByLabel("Reason").fill("Forgotten by the station");
  const asked: string[] = [];
  page.once("dialog", (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  await page.getByRole("button", { name: "Close transaction" }).click();
  const message = asked[0];
  if (message === undefined) throw new Error("Close transaction asked no question");
  return message.startsWith("Close transaction") ? "" : message.split(":")[0]!;
}
