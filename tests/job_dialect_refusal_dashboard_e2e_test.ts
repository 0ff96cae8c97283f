/**
 * The overview shows each station's dialect where operators pick stations for a job, and the job form refuses,
 * before anything is sent, a command that a selected station's dialect does not have: OCPP 2.0.1's
 * GetVariables with an OCPP 1.6 station selected, OCPP 1.6's GetConfiguration with a 2.0.1 one. The refusal
 * names the station; once it is unselected the job runs. A command both dialects have (Reset) is not refused
 * (job_dialects_dashboard_e2e_test.ts follows it to each station's outcome). In Chromium against strict
 * ocpp-rpc stations of both dialects.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test({
  name: `the job form refuses a command a selected station's dialect does not have, naming it${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      const asked: string[] = [];
      const s201 = await connectStation201(server.wsUrl, "CP-DIALECT-201");
      stations.push(s201);
      s201.handle("GetVariables", ({ params }) => {
        asked.push("CP-DIALECT-201 GetVariables");
        const data =
          (params as { getVariableData: { component: unknown; variable: unknown }[] }).getVariableData;
        return {
          getVariableResult: data.map((d) => ({ ...d, attributeStatus: "Accepted", attributeValue: "300" })),
        };
      });
      const s16 = await connectStation(server.wsUrl, "CP-DIALECT-16");
      stations.push(s16);
      s16.handle("GetConfiguration", () => {
        asked.push("CP-DIALECT-16 GetConfiguration");
        return { configurationKey: [] };
      });

      const page = await openPage(await browser.newContext(), errors);
      await logIn(page, server.url, ADMIN);
      const dialectOf = (id: string) => page.locator(`tr[data-station="${id}"] [data-dialect]`).innerText();
      assertEquals(await dialectOf("CP-DIALECT-201"), "OCPP 2.0.1");
      assertEquals(await dialectOf("CP-DIALECT-16"), "OCPP 1.6");

      for (const id of ["CP-DIALECT-201", "CP-DIALECT-16"]) await page.getByLabel(`Select ${id}`).check();
      await page.locator("[data-selected-count]").getByText("2").waitFor();
      const form = page.getByRole("form", { name: "Run a job on the selected stations" });
      const refusal = form.locator("[data-dialect-refusal]");
      const run = form.getByRole("button", { name: "Run on 2 stations" });

      await form.getByLabel("Command").selectOption({ label: "GetVariables (2.0.1)" });
      assertEquals(
        await refusal.innerText(),
        "OCPP 1.6 has no GetVariables, and 1 selected station speaks it: CP-DIALECT-16. Unselect it, or " +
          "choose a command its dialect has.",
      );
      assertEquals(await run.isDisabled(), true);

      await form.getByLabel("Command").selectOption({ label: "GetConfiguration" });
      assertStringIncludes(await refusal.innerText(), "OCPP 2.0.1 has no GetConfiguration");
      assertStringIncludes(await refusal.innerText(), ": CP-DIALECT-201.");
      assertEquals(await run.isDisabled(), true);

      // Both dialects have a Reset: not refused here (each station's schema judges the payload).
      await form.getByLabel("Command").selectOption({ label: "Reset (2.0.1)" });
      assertEquals(await refusal.count(), 0);
      assertEquals(await run.isDisabled(), false);

      // Nothing was sent, no job made.
      const jobs = await server.json("/api/v1/jobs");
      assertEquals((jobs.body as { items: unknown[] }).items, []);
      assertEquals(asked, []);

      // Without the 1.6 station, GetVariables runs on the 2.0.1 one.
      await form.getByLabel("Command").selectOption({ label: "GetVariables (2.0.1)" });
      await page.getByLabel("Select CP-DIALECT-16").uncheck();
      assertEquals(await refusal.count(), 0);
      page.once("dialog", (dialog) => void dialog.accept());
      await form.getByRole("button", { name: "Run on 1 station" }).click();
      await page.waitForURL(/\/jobs\/[^/]+$/);
      await page.locator('[data-job-state="finished"]').waitFor();
      assertEquals(
        await page.locator('[data-task="CP-DIALECT-201"]').getAttribute("data-outcome"),
        "accepted",
      );
      assertEquals(asked, ["CP-DIALECT-201 GetVariables"]);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
