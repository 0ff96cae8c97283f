/**
 * Stop charging while the session's station is offline, on the transaction's page in Chromium against a strict
 * ocpp-rpc 1.6 station: nothing keeps a command for a station that is away, so the button is there but
 * disabled, saying why (offline, since when) and what is left (it is offered again when the station reconnects;
 * a forgotten session is closed by hand: an operator is told an admin can, an admin is pointed at the form).
 * The station reconnects while the page is open: the stop is offered at once and reaches it; it drops again:
 * the stop is withdrawn, live.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { createUser, launch, logIn, openPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };

Deno.test({
  name:
    `Stop charging is disabled with the reason while the station is offline, offered again live${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let station: Station = await connectStation(server.wsUrl, "CP-STOP-AWAY");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-AWAY",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }) as { transactionId: number };
      await closeStation(station);
      await waitOffline(server, "CP-STOP-AWAY");

      // An admin is pointed at the close-by-hand form below.
      const adminPage = await openPage(await browser.newContext(), errors);
      await logIn(adminPage, server.url, ADMIN);
      await adminPage.goto(`${server.url}/transactions/${transactionId}`);
      await adminPage.locator("[data-live='true']").waitFor();
      const adminCard = adminPage.locator("[data-stop-transaction]");
      assertEquals(await adminCard.getAttribute("data-reach"), "offline");
      assertEquals(
        await adminCard.getByRole("link", { name: "close it by hand" }).getAttribute("href"),
        "#close-title",
      );

      const page = await openPage(await browser.newContext(), errors);
      await logIn(page, server.url, OPERATOR);
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const card = page.locator("[data-stop-transaction]");
      const stop = card.getByRole("button", { name: "Stop charging" });
      const why = card.locator("[data-stop-why]");
      assertEquals(await stop.isDisabled(), true);
      const reason = await why.innerText();
      assertStringIncludes(reason, "CP-STOP-AWAY is offline (last seen ");
      assertStringIncludes(reason, "a stop cannot reach it, and none is kept for when it comes back");
      assertStringIncludes(reason, "an admin can close it by hand");
      assertEquals(await stop.getAttribute("aria-describedby"), "stop-why");

      // It comes back (a network drop, no reboot): the stop is offered at once and reaches it.
      const stops: unknown[] = [];
      station = await connectStation(server.wsUrl, "CP-STOP-AWAY", { boot: false });
      station.handle("RemoteStopTransaction", ({ params }) => {
        stops.push(params);
        return { status: "Accepted" };
      });
      await page.locator("[data-stop-transaction][data-reach='running']").waitFor();
      assertEquals(await why.count(), 0);
      assertStringIncludes(
        await card.innerText(),
        "CP-STOP-AWAY is connected and runs this session on connector 1",
      );
      page.once("dialog", (d) => void d.accept());
      await stop.click();
      await card.locator("[data-stop-result]", { hasText: "answered RemoteStopTransaction with Accepted" })
        .waitFor();
      assertEquals(stops, [{ transactionId }]);

      // It drops again before reporting the stop: withdrawn, live.
      await closeStation(station);
      await page.locator("[data-stop-transaction][data-reach='offline']").waitFor();
      assertEquals(await stop.isDisabled(), true);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

/** Waits (up to 15 s) until the API says `id` is not connected. */
async function waitOffline(server: Awaited<ReturnType<typeof startApiServer>>, id: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const res = await server.json(`/api/v1/charge-points/${id}`);
    if ((res.body as { online: boolean }).online === false) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${id} is still connected after 15 s`);
}
