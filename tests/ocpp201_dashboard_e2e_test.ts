/**
 * The dashboard of an OCPP 2.0.1 station in a real browser (Debian's Chromium through playwright-core): its
 * dialect, its EVSEs, its device model, the smart charging it reports, and the 2.0.1 command forms, used to send SetVariables to a strict
 * ocpp-rpc 2.0.1 station.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import {
  createUser,
  launch,
  logIn,
  openPage,
  shot,
  SKIP_REASON,
  skipBrowser as skip,
} from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };

Deno.test({
  name:
    `dashboard: an OCPP 2.0.1 station shows its dialect, EVSEs and device model, and takes 2.0.1 commands${SKIP_REASON}`,
  ignore: skip,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const station = await connectStation201(server.wsUrl, "CP-D201");
    const v16 = await connectStation(server.wsUrl, "CP-D16");
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await station.call("StatusNotification", {
        timestamp: "2026-11-25T10:00:00Z",
        connectorStatus: "Occupied",
        evseId: 1,
        connectorId: 1,
      });
      await station.call("NotifyReport", {
        requestId: 1,
        generatedAt: "2026-11-25T10:00:00Z",
        seqNo: 0,
        reportData: [{
          component: { name: "OCPPCommCtrlr" },
          variable: { name: "HeartbeatInterval" },
          variableAttribute: [{ type: "Actual", value: "300", mutability: "ReadWrite" }],
        }],
      });
      // What the station says about its smart charging: a profile it runs, and a grid operator's limit.
      await station.call("ReportChargingProfiles", {
        requestId: 7,
        chargingLimitSource: "CSO",
        evseId: 1,
        chargingProfile: [{
          id: 42,
          stackLevel: 2,
          chargingProfilePurpose: "TxDefaultProfile",
          chargingProfileKind: "Absolute",
          chargingSchedule: [{
            id: 1,
            chargingRateUnit: "W",
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400 }],
          }],
        }],
      });
      await station.call("NotifyChargingLimit", {
        evseId: 1,
        chargingLimit: { chargingLimitSource: "SO", isGridCritical: true },
      });
      const asked: unknown[] = [];
      station.handle("SetVariables", ({ params }) => {
        asked.push(params);
        return {
          setVariableResult: params.setVariableData.map((d: { component: unknown; variable: unknown }) => ({
            attributeStatus: "Accepted",
            component: d.component,
            variable: d.variable,
          })),
        };
      });

      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      await logIn(page, server.url, OPERATOR);
      await page.goto(`${server.url}/stations/CP-D201`);
      assertEquals((await page.getByTestId("ocpp-version").textContent())?.trim(), "· OCPP 2.0.1");
      const evses = page.getByRole("table", { name: "EVSEs" });
      assertStringIncludes(await evses.innerText(), "Occupied");
      const model = page.getByRole("table", { name: "Device model" });
      assertStringIncludes(await model.innerText(), "HeartbeatInterval");
      const profiles = await page.getByRole("table", { name: "Reported charging profiles" }).innerText();
      for (const text of ["EVSE 1", "CSO", "42", "TxDefaultProfile", "Absolute"]) {
        assertStringIncludes(profiles, text);
      }
      const limits = page.getByRole("table", { name: "External charging limits" });
      assertStringIncludes(await limits.innerText(), "SO");
      assertEquals(await limits.locator('tr[data-grid-critical="true"]').count(), 1);
      // The 2.0.1 forms: no RemoteStartTransaction, RequestStartTransaction instead.
      const select = page.locator('select[name="action"]');
      const options = await select.locator("option").evaluateAll((os) =>
        os.map((o) => (o as HTMLOptionElement).value)
      );
      assertEquals(options.includes("RemoteStartTransaction"), false);
      assertEquals(options.includes("RequestStartTransaction"), true);
      await select.selectOption("SetVariables");
      await page.getByLabel("Payload (JSON)").fill(JSON.stringify({
        setVariableData: [{
          attributeValue: "120",
          component: { name: "OCPPCommCtrlr" },
          variable: { name: "HeartbeatInterval" },
        }],
      }));
      await page.getByRole("button", { name: /^Send: / }).click();
      await page.locator('[data-command-result="ok"]').waitFor();
      assertEquals(asked.length, 1);
      await shot(page, "ocpp201-station");
      // A 1.6 station keeps its own forms and shows no EVSE card.
      await page.goto(`${server.url}/stations/CP-D16`);
      assertEquals((await page.getByTestId("ocpp-version").textContent())?.trim(), "· OCPP 1.6");
      assertEquals(await page.getByRole("table", { name: "EVSEs" }).count(), 0);
      assertEquals(await page.getByRole("table", { name: "Reported charging profiles" }).count(), 0);
      const options16 = await page.locator('select[name="action"] option').evaluateAll((os) =>
        os.map((o) => (o as HTMLOptionElement).value)
      );
      assertEquals(options16.includes("RemoteStartTransaction"), true);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await closeStation(v16);
      await server.close();
    }
  },
});
