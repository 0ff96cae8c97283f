/**
 * A station's command log in Chromium, as an operator reads it after a node was lost (QA of a production-like
 * run, session 38): the payload and answer of each command must be readable on a desktop screen. The log's
 * fifth column got what four others left of a half-width card, ~80 px: the answer ("node lost: outcome unknown,
 * the station may have acted") came one or two characters a line, and the table ran out of its card.
 */
import { assert, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test({
  name:
    `dashboard: a station's command log keeps each payload and answer readable within its card${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-LOG");
    station.handle("ChangeConfiguration", () => ({ status: "Accepted" }));
    station.handle("GetConfiguration", () => ({
      configurationKey: [{ key: "HeartbeatInterval", readonly: false, value: "300" }],
      unknownKey: ["MeterValuesSampledDataMaxLength"],
    }));
    const browser = await launch();
    const errors: string[] = [];
    try {
      // A job's command (its long `job:<id> by <who>`), and one with a long answer.
      const job = await server.json("/api/v1/jobs", {
        method: "POST",
        body: {
          action: "ChangeConfiguration",
          payload: { key: "HeartbeatInterval", value: "300" },
          chargePointIds: ["CP-LOG"],
        },
      });
      assert(job.status === 201, JSON.stringify(job.body));
      await eventually(
        async () => (await server.json(`/api/v1/jobs/${job.body.id}`)).body.state === "finished",
        10_000,
        "the job finished",
      );
      const read = await server.json("/api/v1/charge-points/CP-LOG/GetConfiguration", {
        method: "POST",
        body: { key: ["HeartbeatInterval", "MeterValuesSampledDataMaxLength"] },
      });
      assert(read.status === 200, JSON.stringify(read.body));

      const page = await signedInPage(browser, server.url, ADMIN, errors, {
        viewport: { width: 1400, height: 1000 },
      });
      await page.goto(`${server.url}/stations/CP-LOG`);
      await page.getByRole("tab", { name: /Command log/ }).click();
      const table = page.locator('table[aria-label="Command log"]');
      await table.locator("td", { hasText: "GetConfiguration" }).waitFor();
      const answer = table.locator("td", { hasText: "MeterValuesSampledDataMaxLength" }).last();
      await shot(page, "station-command-log");
      const box = await page.evaluate(() => {
        const t = document.querySelector('table[aria-label="Command log"]')!;
        const panel = document.getElementById("panel-commands")!;
        return { table: t.getBoundingClientRect().right, panel: panel.getBoundingClientRect().right };
      });
      assert(box.table <= box.panel + 1, `the command log runs out of its card: ${JSON.stringify(box)}`);
      const cell = await answer.boundingBox();
      assert(cell && cell.width >= 300, `the payload and answer get ${cell?.width} px`);
      assertStringIncludes(await answer.innerText(), '"unknownKey":["MeterValuesSampledDataMaxLength"]');
      assert(errors.length === 0, errors.join("\n"));
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});
