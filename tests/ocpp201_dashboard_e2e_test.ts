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
  signedInPage,
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
      // A transaction on an EVSE the station never reported.
      await station.call("TransactionEvent", {
        eventType: "Started",
        timestamp: new Date().toISOString(),
        triggerReason: "Authorized",
        seqNo: 0,
        transactionInfo: { transactionId: "TX-QUIET" },
        evse: { id: 2, connectorId: 1 },
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
      assertEquals(await evses.locator("tr", { hasText: "TX-QUIET" }).locator("[data-assumed]").count(), 1);
      assertEquals(await evses.locator("[data-assumed]").count(), 1, "a reported EVSE is not marked");
      // The station's transaction id links its page in our ledger, as a 1.6 connector's does.
      const ledgerId = (await server.json("/api/v1/transactions?chargePointId=CP-D201", { as: "viewer" }))
        .body
        .items.find((t: { stationTransactionId?: string }) => t.stationTransactionId === "TX-QUIET")
        ?.transactionId;
      await evses.getByRole("link", { name: "TX-QUIET" }).click();
      await page.waitForURL(`${server.url}/transactions/${ledgerId}`);
      assertStringIncludes(await page.locator("main").innerText(), "TX-QUIET");
      await page.goBack();
      assertStringIncludes(await page.getByTestId("no-connectors").innerText(), "per EVSE: see EVSEs");
      // The activity panel's status history has the EVSE's report, as it has a 1.6 connector's.
      const history = await page.getByRole("table", { name: "Status history" }).innerText();
      for (const text of ["EVSE 1 #1", "Occupied"]) assertStringIncludes(history, text);
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

Deno.test({
  name:
    `dashboard: an operator changes a 2.0.1 variable in the device model and refreshes it with GetBaseReport${SKIP_REASON}`,
  ignore: skip,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const station = await connectStation201(server.wsUrl, "CP-DMP");
    const errors: string[] = [];
    const variable = (component: string, name: string, value: string, mutability = "ReadWrite") => ({
      component: { name: component },
      variable: { name },
      variableAttribute: [{ type: "Actual", value, mutability }],
    });
    const report = (requestId: number, reportData: unknown[]) =>
      station.call("NotifyReport", {
        requestId,
        generatedAt: new Date().toISOString(),
        seqNo: 0,
        reportData,
      });
    try {
      await createUser(server, OPERATOR, "operator");
      await createUser(server, { username: "vic", password: "viewer-password-1" }, "viewer");
      await report(1, [
        variable("OCPPCommCtrlr", "HeartbeatInterval", "300"),
        variable("SecurityCtrlr", "Identity", "CP-DMP", "ReadOnly"),
        variable("TxCtrlr", "EVConnectionTimeOut", "120"),
      ]);
      const asked: { setVariableData: { attributeValue: string }[] }[] = [];
      station.handle("SetVariables", ({ params }) => {
        asked.push(params);
        return {
          setVariableResult: params.setVariableData.map((
            d: { attributeValue: string; component: unknown; variable: unknown },
          ) => ({
            attributeStatus: d.attributeValue === "5" ? "Rejected" : "Accepted",
            ...(d.attributeValue === "5" ? { attributeStatusInfo: { reasonCode: "ValueTooLow" } } : {}),
            component: d.component,
            variable: d.variable,
          })),
        };
      });
      station.handle("GetBaseReport", ({ params }) => {
        // The report follows the answer, as a real station's does.
        setTimeout(() =>
          void report(params.requestId, [
            variable("OCPPCommCtrlr", "HeartbeatInterval", "60"),
            variable("ISO15118Ctrlr", "CentralContractValidationAllowed", "false"),
          ]), 700);
        return { status: "Accepted" };
      });

      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const viewerPage = await openPage(context, errors);
      await logIn(viewerPage, server.url, { username: "vic", password: "viewer-password-1" });
      await viewerPage.goto(`${server.url}/stations/CP-DMP`);
      const viewerModel = viewerPage.getByRole("table", { name: "Device model" });
      assertStringIncludes(await viewerModel.innerText(), "HeartbeatInterval");
      assertEquals(
        await viewerPage.getByRole("button", { name: /^Change / }).count(),
        0,
        "a viewer changes nothing",
      );
      assertEquals(await viewerPage.getByRole("button", { name: "Refresh with GetBaseReport" }).count(), 0);
      await viewerPage.close();

      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/stations/CP-DMP`);
      const model = page.getByRole("table", { name: "Device model" });
      const row = (name: string) => model.locator(`tr[data-variable$=" ${name}"]`);
      // Read-only variables have nothing to change.
      assertEquals(await row("Identity").getByRole("button").count(), 0);
      await page.getByRole("button", { name: "Change OCPPCommCtrlr HeartbeatInterval" }).click();
      const input = page.getByLabel("New value of OCPPCommCtrlr HeartbeatInterval");
      assertEquals(await input.inputValue(), "300");
      // The station refuses a value: said, and the stored one stays.
      await input.fill("5");
      await page.getByRole("button", { name: "Send SetVariables" }).click();
      const refusal = page.locator('[data-result="error"]');
      await refusal.waitFor();
      assertStringIncludes(await refusal.innerText(), "Rejected (ValueTooLow)");
      await input.fill("30");
      await page.getByRole("button", { name: "Send SetVariables" }).click();
      await page.locator('[data-result="ok"]').waitFor();
      assertEquals(
        (await row("HeartbeatInterval").locator("[data-value]").innerText()).trim(),
        "30",
      );
      assertEquals(asked.map((a) => a.setVariableData[0]?.attributeValue), ["5", "30"]);
      // The same after a reload: what the table shows is what the store keeps.
      await page.reload();
      assertEquals(
        (await row("HeartbeatInterval").locator("[data-value]").innerText()).trim(),
        "30",
      );

      await page.getByRole("button", { name: "Refresh with GetBaseReport" }).click();
      await page.locator('[data-result="ok"]').waitFor({ timeout: 20_000 });
      await row("CentralContractValidationAllowed").waitFor();
      assertStringIncludes(
        await page.locator('[data-result="ok"]').innerText(),
        "Report received: 4 variables",
      );
      assertEquals(
        (await row("HeartbeatInterval").locator("[data-value]").innerText()).trim(),
        "60",
      );
      await shot(page, "ocpp201-device-model");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

Deno.test({
  name:
    `dashboard: a 2.0.1 station's stored charging profiles, per EVSE: cleared and its composite schedule charted${SKIP_REASON}`,
  ignore: skip,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const station = await connectStation201(server.wsUrl, "CP-PRF");
    const errors: string[] = [];
    const asked: { action: string; params: Record<string, unknown> }[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await station.call("StatusNotification", {
        timestamp: new Date().toISOString(),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
      station.handle(
        "SetChargingProfile",
        ({ params }) => (asked.push({ action: "Set", params }), { status: "Accepted" }),
      );
      station.handle(
        "ClearChargingProfile",
        ({ params }) => (asked.push({ action: "Clear", params }), { status: "Accepted" }),
      );
      station.handle("GetCompositeSchedule", ({ params }) => {
        asked.push({ action: "Composite", params });
        return {
          status: "Accepted",
          schedule: {
            evseId: params.evseId,
            duration: params.duration,
            scheduleStart: new Date().toISOString(),
            chargingRateUnit: "A",
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
          },
        };
      });
      // Stored through the API in 1.6's shape: the station gets 2.0.1's.
      const set = await server.json("/api/v1/charge-points/CP-PRF/charging-profiles", {
        method: "POST",
        as: "operator",
        body: {
          connectorId: 0,
          csChargingProfiles: {
            chargingProfileId: 77,
            stackLevel: 0,
            chargingProfilePurpose: "ChargePointMaxProfile",
            chargingProfileKind: "Relative",
            chargingSchedule: {
              chargingRateUnit: "A",
              chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }],
            },
          },
        },
      });
      assertEquals(set.status, 201, JSON.stringify(set.body));
      assertEquals(
        (asked[0]?.params.chargingProfile as { chargingProfilePurpose: string }).chargingProfilePurpose,
        "ChargingStationMaxProfile",
      );

      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/stations/CP-PRF`);
      const table = page.getByRole("table", { name: "Charging profiles" });
      assertStringIncludes(await table.locator("thead").innerText(), "EVSE");
      const row = table.locator('tr[data-profile="77"]');
      assertStringIncludes(await row.innerText(), "ChargingStationMaxProfile");
      const form = page.getByRole("form", { name: "Composite schedule" });
      await form.getByLabel("EVSE").selectOption("1");
      await form.getByRole("button", { name: "Ask for the composite schedule" }).click();
      const chart = page.locator('[data-chart="composite-schedule"]');
      await chart.waitFor();
      assertStringIncludes(await chart.innerText(), "EVSE 1");
      assertEquals(asked.at(-1)?.action, "Composite");
      assertEquals(asked.at(-1)?.params.evseId, 1);
      await shot(page, "ocpp201-charging-profiles");
      await row.getByRole("button", { name: "Clear" }).click();
      await row.waitFor({ state: "detached" });
      assertEquals(asked.at(-1), { action: "Clear", params: { chargingProfileId: 77 } });
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});
