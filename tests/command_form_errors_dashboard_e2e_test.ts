/**
 * The Commands panel names the real problem, in Chromium against a strict ocpp-rpc 2.0.1 station: a payload
 * that is valid JSON but not an object is not called invalid JSON, and a command the server will not send
 * for what it holds (SetNetworkProfile to security profile 2 without an AuthorizationKey, a 409 conflict) is
 * badged "Not sent: conflict", not with the API's raw code; neither reaches the station.
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test({
  name: `the Commands panel names a non-object payload and a refused conflict as such${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation201(server.wsUrl, "CP-FORM-ERRORS");
    const asked: string[] = [];
    station.handle("SetNetworkProfile", () => {
      asked.push("SetNetworkProfile");
      return { status: "Accepted" };
    });
    try {
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-FORM-ERRORS`);
      await page.locator("[data-live='true']").first().waitFor();
      const forms = page.locator('section[aria-labelledby="commands-title"]');
      const outcome = forms.locator("[data-command-outcome]");
      await forms.locator('select[name="action"]').selectOption("SetNetworkProfile");

      await forms.getByLabel("Payload (JSON)").fill("[1, 2]");
      await forms.getByRole("button", { name: /^Send: / }).click();
      await outcome.waitFor();
      assertEquals(
        await outcome.locator("p.wrap").innerText(),
        "The payload must be a JSON object ({ ... }), not an array",
      );

      await forms.getByLabel("Payload (JSON)").fill("{ configurationSlot: 1 }");
      await forms.getByRole("button", { name: /^Send: / }).click();
      await outcome.locator("p.wrap", { hasText: "not valid JSON" }).waitFor();

      await forms.getByLabel("Payload (JSON)").fill(JSON.stringify({
        configurationSlot: 1,
        connectionData: {
          ocppVersion: "OCPP20",
          ocppTransport: "JSON",
          ocppCsmsUrl: "wss://csms.example.com/ocpp",
          messageTimeout: 30,
          securityProfile: 2,
          ocppInterface: "Wired0",
        },
      }));
      await forms.getByRole("button", { name: /^Send: / }).click();
      await forms.locator('[data-command-result="error"] [data-badge]', { hasText: "Not sent: conflict" })
        .waitFor();
      assertEquals(asked, []);
      assertEquals(errors.filter((e) => !e.includes("status of 409")), []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});
