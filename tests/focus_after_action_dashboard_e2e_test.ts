/**
 * Focus stays on the control an operator pressed, in Chromium against a strict ocpp-rpc station: buttons are
 * disabled while their command runs, which drops focus to the page's body, so a keyboard user would start
 * again from the top once the answer is shown. Pressed with the keyboard: the Commands panel's Send, the
 * Soft reset quick action, a transaction's Stop charging; each has focus back once its answer is shown. "Send
 * anyway" goes with the refusal it answers: focus lands on the answer that replaces it.
 */
import { assertEquals } from "@std/assert";
import type { Browser, Locator, Page } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

/** Whether `locator`'s element has the page's focus, or gets it within a second (a render after the answer). */
async function hasFocus(locator: Locator): Promise<boolean> {
  const handle = await locator.elementHandle();
  return await locator.page().waitForFunction((el) => el === document.activeElement, handle, {
    timeout: 1_000,
  })
    .then(() => true, () => false);
}

async function pressEnter(page: Page, button: Locator): Promise<void> {
  await button.focus();
  await page.keyboard.press("Enter");
}

Deno.test({
  name: `a button pressed for a command keeps focus once its answer is shown${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    try {
      const station = await connectStation(server.wsUrl, "CP-FOCUS");
      stations.push(station);
      // Answers that take a moment, as a real station's do: the button is disabled meanwhile.
      const slowly = <T>(answer: T) => () => new Promise<T>((r) => setTimeout(() => r(answer), 300));
      station.handle("ClearCache", slowly({ status: "Accepted" }));
      station.handle("Reset", slowly({ status: "Accepted" }));
      station.handle("RemoteStopTransaction", slowly({ status: "Accepted" }));
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-FOCUS",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });

      browser = await launch();
      const page = await openPage(await browser.newContext(), errors);
      page.on("dialog", (d) => void d.accept());
      await logIn(page, server.url, ADMIN);
      await page.goto(`${server.url}/stations/CP-FOCUS`);
      await page.locator("[data-live='true']").first().waitFor();

      const forms = page.locator('section[aria-labelledby="commands-title"]');
      await forms.locator('select[name="action"]').selectOption("ClearCache");
      const send = forms.getByRole("button", { name: /^Send: / });
      await pressEnter(page, send);
      await forms.locator('[data-command-result="ok"]').waitFor();
      assertEquals(await hasFocus(send), true, "Send keeps focus");

      const reset = page.getByRole("button", { name: "Soft reset" });
      await pressEnter(page, reset);
      await page.locator('.result[data-result="ok"]').waitFor();
      assertEquals(await hasFocus(reset), true, "Soft reset keeps focus");

      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").first().waitFor();
      const stop = page.getByRole("button", { name: "Stop charging" });
      await pressEnter(page, stop);
      await page.getByText("answered RemoteStopTransaction with Accepted").waitFor();
      assertEquals(await hasFocus(stop), true, "Stop charging keeps focus");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});

Deno.test({
  name: `"Send anyway" pressed with the keyboard leaves focus on the command's answer${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    try {
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "TAG-ANYWAY" } })).status,
        201,
      );
      const station = await connectStation(server.wsUrl, "CP-ANYWAY");
      stations.push(station);
      station.handle(
        "RemoteStartTransaction",
        () => new Promise((r) => setTimeout(() => r({ status: "Accepted" }), 300)),
      );
      await station.call("StatusNotification", {
        connectorId: 1,
        errorCode: "GroundFailure",
        status: "Faulted",
      });

      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-ANYWAY`);
      await page.locator("[data-live='true']").first().waitFor();
      await page.locator('select[name="startConnector"]').selectOption("1");
      await page.locator('input[name="idTag"]').first().fill("TAG-ANYWAY");
      await pressEnter(page, page.getByRole("button", { name: "Remote start" }));
      // Refused by the connector's state: the answer offers to send it anyway.
      const anyway = page.getByRole("button", { name: "Send anyway" });
      await anyway.waitFor();
      await pressEnter(page, anyway);
      const result = page.locator('.result[data-result="ok"]');
      await result.waitFor();
      // The button went with the refusal it answered: focus is on what replaced it, not back at the top.
      assertEquals(await hasFocus(result), true, "focus is on the answer");
      // Chromium logs the refusal's 409 (the answer the test asks for) as a console error.
      assertEquals(errors.filter((e) => !e.includes("status of 409 (Conflict)")), []);
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
