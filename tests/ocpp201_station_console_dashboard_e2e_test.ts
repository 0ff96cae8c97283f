/**
 * A 2.0.1 station's page offers an operator the one-click actions a 1.6 station's does, in 2.0.1: Remote stop
 * sends RequestStopTransaction with the station's own id of the session running, Remote start
 * RequestStartTransaction with an idToken, the EVSE and a remoteStartId, Reset Immediate/OnIdle,
 * UnlockConnector with the EVSE and connector, ChangeAvailability and TriggerMessage for an EVSE. Each checked
 * as the strict ocpp-rpc 2.0.1 station receives it, in Chromium. A viewer gets no action buttons. A remote
 * start's idToken type is Central unless the operator picks another or the tag is stored with its own.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser, Page } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import {
  createUser,
  launch,
  logIn,
  openPage,
  shot,
  signedInPage,
  SKIP_REASON,
  skipBrowser,
} from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };
const VIEWER = { username: "vera", password: "viewer-password-1" };
const ID = "CP-CONSOLE201";

Deno.test({
  name:
    `a 2.0.1 station's page sends its one-click actions as 2.0.1 payloads; a viewer sees none${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation201(server.wsUrl, ID);
    const received: [string, unknown][] = [];
    const answers: Record<string, unknown> = {
      RequestStartTransaction: { status: "Accepted" },
      RequestStopTransaction: { status: "Accepted" },
      Reset: { status: "Accepted" },
      UnlockConnector: { status: "Unlocked" },
      ChangeAvailability: { status: "Accepted" },
      TriggerMessage: { status: "Accepted" },
    };
    for (const [action, answer] of Object.entries(answers)) {
      station.handle(action, ({ params }) => {
        received.push([action, params]);
        return answer;
      });
    }
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await createUser(server, VIEWER, "viewer");
      // A remote start is for a token this CSMS accepts (the command's guard).
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "DRIVER-2" } })).status,
        201,
      );
      const now = () => new Date().toISOString();
      for (const evseId of [1, 2]) {
        await station.call("StatusNotification", {
          timestamp: now(),
          connectorStatus: evseId === 1 ? "Occupied" : "Available",
          evseId,
          connectorId: 1,
        });
      }
      await station.call("TransactionEvent", {
        eventType: "Started",
        timestamp: now(),
        triggerReason: "Authorized",
        seqNo: 0,
        transactionInfo: { transactionId: "st-tx-77", chargingState: "Charging" },
        evse: { id: 1, connectorId: 1 },
        idToken: { idToken: "DRIVER-1", type: "ISO14443" },
      });

      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      await logIn(page, server.url, OPERATOR);
      await page.goto(`${server.url}/stations/${ID}`);
      const actions = page.getByRole("group", { name: "Quick actions" });
      await actions.waitFor();
      await page.locator('[data-live="true"]').first().waitFor();
      // The next command the station receives (a button waits while one is under way: the console is busy).
      let seen = received.length;
      const last = async (action: string) => {
        await eventually(() => received.length > seen, 8000, `${action} reaches the station`)
          .catch(async (e) => {
            throw new Error(
              `${e.message}; the page says: ${await page.locator(".quick-actions .result").innerText()}`,
            );
          });
        const [got, params] = received[seen++]!;
        assertEquals(got, action);
        return params;
      };
      const sent = received.length;

      // Stop: the station's own id of the session running on EVSE 1, not our ledger's number.
      await actions.getByRole("button", { name: "Remote stop" }).click();
      assertEquals(await last("RequestStopTransaction"), { transactionId: "st-tx-77" });

      // Start on EVSE 2 for a token: the API gives the remoteStartId.
      await actions.locator('select[name="startEvse"]').selectOption("2");
      await actions.getByLabel("Id token").fill("DRIVER-2");
      await actions.getByRole("button", { name: "Remote start" }).click();
      const start = await last("RequestStartTransaction") as Record<string, unknown>;
      assert(Number.isInteger(start["remoteStartId"]), `remoteStartId: ${JSON.stringify(start)}`);
      assertEquals(start, {
        idToken: { idToken: "DRIVER-2", type: "Central" },
        evseId: 2,
        remoteStartId: start["remoteStartId"],
      });

      await actions.getByRole("button", { name: "Reset when idle" }).click();
      assertEquals(await last("Reset"), { type: "OnIdle" });
      const asked = waitDialog(page, true);
      await actions.getByRole("button", { name: "Reset now" }).click();
      await asked;
      assertEquals(await last("Reset"), { type: "Immediate" });

      await actions.locator('select[name="unlock"]').selectOption({ label: "EVSE 2 connector 1" });
      await actions.getByRole("button", { name: "Unlock connector" }).click();
      assertEquals(await last("UnlockConnector"), { evseId: 2, connectorId: 1 });

      await actions.locator('select[name="availabilityOf"]').selectOption("1");
      await actions.locator('select[name="operationalStatus"]').selectOption("Inoperative");
      await actions.getByRole("button", { name: "Change availability" }).click();
      assertEquals(await last("ChangeAvailability"), { operationalStatus: "Inoperative", evse: { id: 1 } });

      await actions.locator('select[name="requestedMessage"]').selectOption("MeterValues");
      await actions.locator('select[name="triggerEvse"]').selectOption("1");
      await actions.getByRole("button", { name: "Trigger" }).click();
      assertEquals(await last("TriggerMessage"), { requestedMessage: "MeterValues", evse: { id: 1 } });
      assertEquals(received.length - sent, 7);
      await page.locator('.quick-actions [data-result="ok"]', { hasText: "Trigger message" }).waitFor();
      await shot(page, "ocpp201-console");

      // A viewer: the page, no actions.
      const viewer = await signedInPage(browser, server.url, VIEWER, errors);
      await viewer.goto(`${server.url}/stations/${ID}`);
      await viewer.getByRole("heading", { name: ID }).waitFor();
      await viewer.locator('[data-live="true"]').first().waitFor();
      assertEquals(await viewer.getByRole("group", { name: "Quick actions" }).count(), 0);
      // Its only buttons are the activity card's tabs: nothing sends a command.
      assertEquals(await viewer.locator('main button:not([role="tab"])').allInnerTexts(), []);
      assertEquals(await viewer.locator("main select, main input").count(), 0);
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
    `a 2.0.1 remote start sends the idToken type the operator chose, a typed tag's own first${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation201(server.wsUrl, ID);
    const received: unknown[] = [];
    station.handle("RequestStartTransaction", ({ params }) => {
      received.push(params);
      return { status: "Accepted" };
    });
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      // Any type matches an untyped tag; a typed one only its own (the command's guard, as Authorize).
      for (const body of [{ idTag: "DRIVER-2" }, { idTag: "CARD-9", idTokenType: "ISO14443" }]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body })).status, 201);
      }
      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors, {
        viewport: { width: 1280, height: 900 },
      });
      await page.goto(`${server.url}/stations/${ID}`);
      const start = page.getByRole("form", { name: "Start a session" });
      await start.waitFor();
      await page.locator('[data-live="true"]').first().waitFor();
      const type = start.getByLabel("Token type");
      assertEquals(await type.locator("option").allInnerTexts(), [
        "Central",
        "eMAID",
        "ISO14443",
        "ISO15693",
        "KeyCode",
        "Local",
        "MacAddress",
        "NoAuthorization",
      ]);
      const sent = async (idToken: string, expected: string) => {
        const before = received.length;
        await start.getByRole("button", { name: "Remote start" }).click();
        await eventually(() => received.length > before, 8000, `RequestStartTransaction for ${idToken}`);
        const params = received.at(-1) as { idToken: unknown };
        assertEquals(params.idToken, { idToken, type: expected });
        await page.locator('.quick-actions [data-result="ok"]').waitFor();
      };

      // Central by default: the token is this CSMS's to vouch for.
      assertEquals(await type.inputValue(), "Central");
      await start.getByLabel("Id token").fill("DRIVER-2");
      await sent("DRIVER-2", "Central");
      // The operator's choice.
      await type.selectOption("eMAID");
      await sent("DRIVER-2", "eMAID");
      // A tag stored with a type of its own: that type, which the guard requires.
      await start.getByLabel("Id token").fill("CARD-9");
      assertEquals(await type.inputValue(), "ISO14443");
      await sent("CARD-9", "ISO14443");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

/** The next dialog, accepted (or dismissed). */
function waitDialog(page: Page, accept: boolean): Promise<string> {
  return new Promise((resolve) =>
    page.once("dialog", (d) => {
      resolve(d.message());
      void (accept ? d.accept() : d.dismiss());
    })
  );
}
