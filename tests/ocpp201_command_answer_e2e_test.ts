/**
 * What an operator reads after a 2.0.1 command whose answer has no `status` but one per item (SetVariables,
 * GetVariables): a station that refuses a value must not read as a green "Answered".
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";

const OPERATOR = { username: "olga", password: "operator-pass-1" };
const HEARTBEAT = { component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } };
const OFFLINE = { component: { name: "OCPPCommCtrlr" }, variable: { name: "OfflineThreshold" } };

Deno.test({
  name: `dashboard: a SetVariables the station refuses reads as refused, item by item${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation201(server.wsUrl, "CP-SETV");
    // HeartbeatInterval is read-only here; OfflineThreshold takes its value.
    station.handle("SetVariables", ({ params }) => ({
      setVariableResult: params.setVariableData.map((d: typeof HEARTBEAT) => ({
        attributeStatus: d.variable.name === "HeartbeatInterval" ? "Rejected" : "Accepted",
        component: d.component,
        variable: d.variable,
        ...(d.variable.name === "HeartbeatInterval"
          ? { attributeStatusInfo: { reasonCode: "ReadOnly" } }
          : {}),
      })),
    }));
    try {
      await createUser(server, OPERATOR, "operator");
      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/stations/CP-SETV`);
      // The badge of this answer (the box stays between sends: wait for its text), and its tone.
      const send = async (setVariableData: unknown[], badge: string) => {
        await page.locator('select[name="action"]').selectOption("SetVariables");
        await page.getByLabel("Payload (JSON)").fill(JSON.stringify({ setVariableData }));
        await page.getByRole("button", { name: /^Send: / }).click();
        const box = page.locator("[data-command-outcome]", {
          has: page.locator("[data-badge]", { hasText: new RegExp(`^${badge}$`) }),
        });
        await box.waitFor();
        return await box.getAttribute("data-command-outcome");
      };
      assertEquals(await send([{ ...HEARTBEAT, attributeValue: "60" }], "Rejected"), "bad");
      await shot(page, "ocpp201-setvariables-rejected");
      const both = [{ ...HEARTBEAT, attributeValue: "60" }, { ...OFFLINE, attributeValue: "30" }];
      assertEquals(await send(both, "Rejected: 1 of 2"), "bad");
      assertEquals(await send([{ ...OFFLINE, attributeValue: "30" }], "Accepted"), "ok");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});
