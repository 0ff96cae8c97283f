/**
 * A running session's page, opened by an admin (the chart and the close-by-hand form both follow its meter
 * values), asks the server once per meter event: one `GET …/meter-values?since=` read, whose values reach both
 * (the chart counts the reading, the form proposes it). Each island read on its own before, two requests for
 * the same rows per event. Counted with Playwright's request events in Chromium, against a strict ocpp-rpc 1.6
 * station.
 */
import { assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { requestsSettled } from "./helpers/requests_settled.ts";
import { minutesAgo, startSessionWithOneReading } from "./helpers/session_with_one_reading.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test({
  name: `a transaction's page reads each meter event's values with one request${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-ONE-READ");
    const browser = await launch();
    const errors: string[] = [];
    try {
      const { transactionId, reading } = await startSessionWithOneReading(station, {
        idTag: "TAG-ONE-READ",
        meterStart: 1000,
        firstReading: 2000,
      });

      const page = await openPage(await browser.newContext(), errors);
      await logIn(page, server.url, ADMIN);
      const requests: string[] = [];
      page.on("request", (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith("/api/")) requests.push(path);
      });
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const meter = page.locator("[data-close-transaction]").getByLabel("Meter at the end (Wh)");
      assertEquals(await meter.inputValue(), "2000");
      // What the page asks for as its stream opens is not a meter event's: counted from here on.
      await requestsSettled(requests);
      requests.length = 0;

      const readingsPath = `/api/v1/transactions/${transactionId}/meter-values`;
      const events = [[40, 2500], [30, 3100], [20, 3600]] as const;
      for (const [i, [ago, wh]] of events.entries()) {
        await reading(minutesAgo(ago), wh);
        await page.locator(`[data-readings="${i + 2}"]`).waitFor();
        await page.waitForFunction(
          (want) => document.querySelector<HTMLInputElement>('input[name="meterStop"]')?.value === want,
          String(wh),
        );
        await requestsSettled(requests);
      }
      assertEquals(requests, events.map(() => readingsPath));
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});
