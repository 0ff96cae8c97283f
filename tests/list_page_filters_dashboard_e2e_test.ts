/**
 * A list page's filter it cannot use is said, not dropped: `/transactions?from=garbage` listed every
 * transaction as if filtered. Over real HTTP the page answers 400 with what is wrong and no list (the overview
 * and the security log too), as the JSON API answers 400 with a JSON body; in Chromium the operator reads why
 * and gets the whole list from the link offered. A good filter still lists what it matches.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

/** Bad values and names on each list page, and the words the page must say about each. */
const BAD_PAGES: [path: string, says: string][] = [
  ["/transactions?from=garbage", '"from" is "garbage": not a date (YYYY-MM-DD)'],
  ["/transactions?to=2024-13-45", '"to" is "2024-13-45": not a date'],
  ["/transactions?to=2024-02-30", '"to" is "2024-02-30": not a date'],
  ["/transactions?status=bogus", '"status" is "bogus": not one of active, finished, superseded'],
  ["/transactions?before=abc", '"before" is "abc"'],
  ["/transactions?frm=2024-01-01", '"frm" is not a filter of this page'],
  ["/?status=Sleeping", '"status" is "Sleeping"'],
  ["/?offset=-3", '"offset" is "-3"'],
  ["/security?kind=bogus", '"kind" is "bogus"'],
];

Deno.test({
  name:
    `a list page with a filter it cannot use says why and lists nothing; the API answers 400${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-FILTERS");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-FILTERS",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });

      // The JSON API: a 400 with a JSON body naming the field.
      for (
        const [path, field] of [
          ["/api/v1/transactions?from=garbage", "from"],
          ["/api/v1/transactions?status=bogus", "status"],
          ["/api/v1/overview?status=Sleeping", "status"],
          ["/api/v1/security-events?kind=bogus", "kind"],
        ]
      ) {
        const { status, body } = await server.json(path!);
        assertEquals([status, body.error, body.details.field], [400, "invalid_request", field], path);
      }

      // The pages over HTTP, as a browser asks for them.
      const cookie = await server.login(ADMIN.username, ADMIN.password);
      const page = (path: string) =>
        fetch(`${server.url}${path}`, { headers: { cookie, accept: "text/html" } });
      for (const [path, says] of BAD_PAGES) {
        const res = await page(path);
        const html = await res.text();
        assertEquals(res.status, 400, path);
        assertStringIncludes(html, "data-query-problems", path);
        assertStringIncludes(html.replaceAll("&quot;", '"'), says, path);
        assert(!html.includes(`data-transaction="${transactionId}"`), `${path} listed transactions`);
        assert(!html.includes('data-island="FleetOverview"'), `${path} listed stations`);
      }
      // Good filters (and a form's empty fields) still list what they match.
      for (
        const path of ["/transactions?from=2020-01-01&to=&status=active", "/transactions?idTag=TAG-FILTERS"]
      ) {
        const res = await page(path);
        const html = await res.text();
        assertEquals(res.status, 200, path);
        assertStringIncludes(html, `data-transaction="${transactionId}"`, path);
      }

      // In Chromium: the operator reads why, and the link gives the whole list.
      const tab = await signedInPage(browser, server.url, ADMIN, errors);
      await tab.goto(`${server.url}/transactions?from=garbage`);
      const alert = tab.getByRole("alert");
      await alert.waitFor();
      assertStringIncludes(await alert.innerText(), '"from" is "garbage"');
      assertEquals(await tab.locator("[data-transaction]").count(), 0);
      await tab.getByRole("link", { name: "show the list without a filter" }).click();
      await tab.waitForURL(`${server.url}/transactions`);
      await tab.locator(`[data-transaction="${transactionId}"]`).waitFor();
      // Chromium logs the page's own 400 as a console error: the status the page means to answer.
      assertEquals(errors.filter((e) => !e.includes("status of 400 (Bad Request)")), []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});
