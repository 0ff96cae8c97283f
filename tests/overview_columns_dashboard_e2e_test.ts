/**
 * The overview's table as an operator met it: the sessions column counted sessions running now beside an
 * energy column that includes today's finished ones (a row read "0" next to "1.9 kWh"), so each header now
 * says what it counts; at 390px the table's header is hidden, with its "select every station" box, so a
 * phone gets its own select-all; at 1280px the job launcher keeps "At once" and Run on its first line.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, logIn, openPage, shot, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };

Deno.test({
  name:
    `overview: the sessions and energy headers say what they count, and the job launcher fits one line at 1280px${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      for (const id of ["CP-COL-1", "CP-COL-2"]) stations.push(await connectStation(server.wsUrl, id));
      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      await logIn(page, server.url, OPERATOR);
      const table = page.getByRole("table", { name: "Stations" });
      await table.waitFor();

      const sessions = table.locator("thead th", { has: page.locator('[data-sort="sessions"]') });
      assertEquals((await sessions.textContent())?.trim(), "Charging now");
      assertStringIncludes((await sessions.getAttribute("title")) ?? "", "running now");
      const energy = table.locator("thead th", { has: page.locator('[data-sort="energy"]') });
      assertStringIncludes((await energy.getAttribute("title")) ?? "", "finished");
      // A stacked row (phone) labels its cells the same way.
      assertEquals(
        await table.locator('tr[data-station="CP-COL-1"] td[data-active]').getAttribute("data-label"),
        "Charging now",
      );

      // The launcher with a command chosen (its summary shown): At once and Run stay on the first line.
      await page.getByLabel("Select CP-COL-1").check();
      const launcher = page.getByRole("form", { name: "Run a job on the selected stations" });
      const top = async (locator: ReturnType<typeof page.locator>) => (await locator.boundingBox())!.y;
      // A short summary and the longest.
      for (const action of ["ChangeAvailability", "GetLog"]) {
        await launcher.getByLabel("Command").selectOption(action);
        const commandTop = await top(launcher.getByLabel("Command"));
        const runTop = await top(launcher.getByRole("button", { name: /^Run on/ }));
        const atOnceTop = await top(launcher.getByLabel("At once"));
        await shot(page, `overview-launcher-1280-${action}`, { fullPage: false });
        assert(
          Math.abs(atOnceTop - commandTop) < 40 && runTop < commandTop + 40,
          `${action}: command at ${commandTop}px, At once at ${atOnceTop}px, Run at ${runTop}px`,
        );
      }
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});

Deno.test({
  name: `overview at 390px: a phone selects every station shown with a box it can reach${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      for (const id of ["CP-PH-1", "CP-PH-2", "CP-PH-3"]) {
        stations.push(await connectStation(server.wsUrl, id));
      }
      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
      const page = await openPage(context, errors);
      await logIn(page, server.url, OPERATOR);
      await page.getByRole("table", { name: "Stations" }).waitFor();
      const all = page.getByRole("checkbox", { name: "Select all shown" });
      assert(await all.isVisible(), "a select-all box is shown at 390px");
      const box = (await all.boundingBox())!;
      assert(
        box.x >= 0 && box.x + box.width <= 390 && box.width >= 20 && box.height >= 20,
        `the select-all box is ${JSON.stringify(box)}`,
      );
      await all.tap();
      const launcher = page.getByRole("form", { name: "Run a job on the selected stations" });
      await launcher.locator("[data-selected-count]").getByText("3").waitFor();
      for (const id of ["CP-PH-1", "CP-PH-2", "CP-PH-3"]) {
        assert(await page.getByLabel(`Select ${id}`).isChecked(), `${id} is selected`);
      }
      await shot(page, "overview-390-select-all", { fullPage: false });
      // And tapped again, none.
      await all.tap();
      assertEquals(await launcher.count(), 0);

      // On a wide screen the table's own header box does it: the phone's is not shown twice.
      await page.setViewportSize({ width: 1280, height: 900 });
      assertEquals(await all.isVisible(), false);
      assert(await page.getByRole("checkbox", { name: "Select every station shown" }).isVisible());
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
