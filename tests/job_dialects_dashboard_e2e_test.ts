/**
 * The overview's job form offers the commands of both dialects the job API takes, by dialect: an operator who
 * selects an OCPP 2.0.1 station and an OCPP 1.6 one can run 2.0.1's Reset (OnIdle, its example), the form says
 * which stations it is for, and the job's page shows the 2.0.1 station's acceptance and the 1.6 station's
 * refusal (its dialect's schema has no OnIdle). In Chromium against strict ocpp-rpc stations.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test({
  name: `the overview's job form runs an OCPP 2.0.1 command on the 2.0.1 stations selected${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      const resets: [string, unknown][] = [];
      const s201 = await connectStation201(server.wsUrl, "CP-JOB-201");
      stations.push(s201);
      s201.handle("Reset", ({ params }) => {
        resets.push(["CP-JOB-201", params.type]);
        return { status: "Accepted" };
      });
      const s16 = await connectStation(server.wsUrl, "CP-JOB-16");
      stations.push(s16);
      s16.handle("Reset", ({ params }) => {
        resets.push(["CP-JOB-16", params.type]);
        return { status: "Accepted" };
      });

      const page = await signedInPage(browser, server.url, ADMIN, errors);
      for (const id of ["CP-JOB-201", "CP-JOB-16"]) await page.getByLabel(`Select ${id}`).check();
      await page.locator("[data-selected-count]").getByText("2").waitFor();
      await page.getByLabel("Command").selectOption({ label: "Reset (2.0.1)" });
      assertEquals(JSON.parse(await page.getByLabel("Payload (JSON)").inputValue()), { type: "OnIdle" });
      const summary = page.locator("[data-job-dialect]");
      assertEquals(await summary.getAttribute("data-job-dialect"), "OCPP 2.0.1");
      assertStringIncludes(await summary.innerText(), "For the selected stations that speak OCPP 2.0.1");
      const asked: string[] = [];
      page.once("dialog", (dialog) => void (asked.push(dialog.message()), dialog.accept()));
      await page.getByRole("button", { name: "Run on 2 stations" }).click();
      await page.waitForURL(/\/jobs\/[^/]+$/);
      assertStringIncludes(asked[0] ?? "", "OCPP 2.0.1 Reset");
      await page.locator('[data-job-state="finished"]').waitFor();
      assertEquals(await page.locator('[data-task="CP-JOB-201"]').getAttribute("data-outcome"), "accepted");
      assertEquals(await page.locator('[data-task="CP-JOB-16"]').getAttribute("data-outcome"), "refused");
      assertEquals(resets, [["CP-JOB-201", "OnIdle"]]);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
