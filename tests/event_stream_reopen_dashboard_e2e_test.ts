/**
 * The dashboard reopens an event stream the browser closed for good. Chromium gives up on an EventSource
 * answered anything but 200 (a 503 while the server restarts, a 401 once the session ended) and never asks
 * again; the page would say "connecting…" until reloaded. In Chromium, the stream's requests answered 503 by
 * a route for a while: live updates resume without a reload, after a few spaced attempts (no storm). And when
 * the session ends (a logout elsewhere in the browser), the page says the operator is signed out, with a
 * link to sign in again, and stops asking for the stream.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser, Page, Route } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };
const ID = "CP-REOPEN";

Deno.test({
  name: `a station page's live updates resume after its event stream was answered 503${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, ID);
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await statusOf(station, "Available");
      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      const outage = await unavailableEventStream(page);
      await page.goto(`${server.url}/stations/${ID}`);
      // Three refusals: the page asked again twice after the browser gave up, each after a pause.
      await outage.refused(3);
      const spent = performance.now() - outage.firstRefusal;
      // Back-off from about 1 s, doubling: the third attempt comes after at least 1.5 s, not at once.
      assert(spent >= 1500, `three attempts within ${Math.round(spent)} ms`);
      assertEquals(await page.locator(".live").first().getAttribute("data-live"), "false");
      outage.end();
      await page.locator('[data-live="true"]').first().waitFor({ timeout: 15_000 });
      // A live update, not a read at the reopening: the status is reported once the stream is live.
      await statusOf(station, "Faulted");
      await page.locator('table.connectors tr[data-connector="1"][data-status="Faulted"]').waitFor({
        timeout: 5000,
      });
      assertEquals(errors.filter((e) => !e.includes("503")), []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

Deno.test({
  name:
    `a station page says the operator is signed out when the session ends, and stops asking${SKIP_REASON}`,
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
      await page.goto(`${server.url}/stations/${ID}`);
      await page.locator('[data-live="true"]').first().waitFor();
      // The re-reads at the stream's open are done (they would meet the 401 and leave for the login page).
      await new Promise((r) => setTimeout(r, 1000));
      // Signed out from another tab of the same browser: the server ends the stream, the browser asks again
      // and is answered 401.
      const status = await page.evaluate(async () =>
        (await fetch("/api/v1/auth/logout", { method: "POST" })).status
      );
      assertEquals(status, 204);
      const notice = page.locator('[data-signed-out="true"]').first();
      await notice.waitFor({ timeout: 10_000 });
      assert((await notice.innerText()).includes("Signed out"), await notice.innerText());
      const link = notice.getByRole("link", { name: "Sign in again" });
      assertEquals(await link.getAttribute("href"), `/login?next=${encodeURIComponent(`/stations/${ID}`)}`);
      // The page stays (what it shows is still there to read), and the stream is not asked for in a loop.
      assertEquals(new URL(page.url()).pathname, `/stations/${ID}`);
      let asked = 0;
      page.on("request", (r) => {
        if (new URL(r.url()).pathname === "/api/v1/events") asked++;
      });
      await new Promise((r) => setTimeout(r, 4000));
      assertEquals(asked, 0);
      // The link leads to the login page, which comes back here.
      await link.click();
      await page.waitForURL(/\/login\?next=/);
      await page.getByLabel("Username").fill(OPERATOR.username);
      await page.getByLabel("Password").fill(OPERATOR.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${server.url}/stations/${ID}`);
      await page.locator('[data-live="true"]').first().waitFor();
      assertEquals(errors.filter((e) => !e.includes("401")), []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

function statusOf(station: Awaited<ReturnType<typeof connectStation>>, status: string) {
  return station.call("StatusNotification", {
    connectorId: 1,
    errorCode: status === "Faulted" ? "GroundFailure" : "NoError",
    status,
    timestamp: new Date().toISOString(),
  });
}

/**
 * Answers the page's event stream requests 503 (a server restarting behind a proxy) until `end()`;
 * `refused(n)` settles once n requests for the station console's stream were answered so.
 */
async function unavailableEventStream(page: Page) {
  let down = true;
  let count = 0;
  let firstRefusal = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  await page.route(/\/api\/v1\/events\?/, async (route: Route) => {
    if (!down) return await route.continue().catch(() => {});
    // The page holds a stream per filter; the station console's is the one counted.
    if (new URL(route.request().url()).search === `?chargePointId=${ID}` && count++ === 0) {
      firstRefusal = performance.now();
    }
    await route.fulfill({ status: 503, contentType: "text/plain", body: "restarting" }).catch(() => {});
    for (const w of waiting) if (count >= w.n) w.resolve();
  });
  return {
    get firstRefusal() {
      return firstRefusal;
    },
    /** Settles once `n` requests were refused; fails after 15 s (the page stopped asking). */
    refused: (n: number) => {
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      const timer = setTimeout(() => reject(new Error(`${count} of ${n} stream requests in 15 s`)), 15_000);
      if (count >= n) resolve();
      else waiting.push({ n, resolve });
      return promise.finally(() => clearTimeout(timer));
    },
    end() {
      down = false;
    },
  };
}
