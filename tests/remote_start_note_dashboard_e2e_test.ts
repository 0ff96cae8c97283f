/**
 * The note under a remote start's answer speaks the station's dialect, in a real browser against strict
 * ocpp-rpc stations:
 * - OCPP 2.0.1, the quick action: the note names TransactionEvent and the remoteStartId the API allocated,
 *   and the session the station starts with that remoteStartId (no token in its event, an id of its own) is
 *   linked to its ledger page, even when the event comes before the command's answer;
 * - OCPP 2.0.1, the station answers with a session already running (F02): that session is linked;
 * - OCPP 2.0.1 from the Commands panel: the same note (it had none);
 * - OCPP 1.6: the note names StartTransaction and ConnectionTimeOut; a refusal says no transaction starts.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };

Deno.test({
  name: `a remote start's note speaks the station's dialect and links what it started${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      for (const idTag of ["TOKEN-1", "TAG-1"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      const v201 = await connectStation201(server.wsUrl, "CP-RS201");
      stations.push(v201);
      await v201.call("StatusNotification", {
        timestamp: new Date().toISOString(),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
      let seqNo = 0;
      const started = (transactionId: string, remoteStartId?: number) =>
        v201.call("TransactionEvent", {
          eventType: "Started",
          timestamp: new Date().toISOString(),
          triggerReason: remoteStartId === undefined ? "CablePluggedIn" : "RemoteStart",
          seqNo: seqNo++,
          transactionInfo: { transactionId, ...(remoteStartId !== undefined ? { remoteStartId } : {}) },
          evse: { id: 1, connectorId: 1 },
        });
      // The station starts its session before it answers: the page hears the event first.
      let mode: "start-first" | "already-running" | "silent" = "start-first";
      v201.handle("RequestStartTransaction", async ({ params }) => {
        if (mode === "start-first") {
          await started("S-REMOTE", params.remoteStartId);
          return { status: "Accepted" };
        }
        if (mode === "already-running") return { status: "Accepted", transactionId: "S-PLUGGED" };
        return { status: "Accepted" };
      });
      const v16 = await connectStation(server.wsUrl, "CP-RS16");
      stations.push(v16);
      await v16.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      let accept16 = true;
      v16.handle("RemoteStartTransaction", () => ({ status: accept16 ? "Accepted" : "Rejected" }));

      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors);
      const ledgerIdOf = async (stationTransactionId: string) =>
        (await server.json("/api/v1/transactions?chargePointId=CP-RS201", { as: "viewer" })).body.items
          .find((t: { stationTransactionId?: string }) => t.stationTransactionId === stationTransactionId)
          ?.transactionId as number;

      // 2.0.1 quick action: the station's event (no token in it) came before its answer.
      await page.goto(`${server.url}/stations/CP-RS201`);
      await page.locator("[data-live='true']").first().waitFor();
      const quick = page.locator(".quick-actions");
      await quick.locator('input[name="idToken"]').fill("TOKEN-1");
      await quick.getByRole("button", { name: "Remote start" }).click();
      const link = quick.locator('[data-remote-start="started"]');
      await link.waitFor();
      const first = await ledgerIdOf("S-REMOTE");
      assertEquals(await link.getAttribute("data-started-transaction"), String(first));
      assertEquals(await link.innerText(), `Transaction #${first} (station's id S-REMOTE) started →`);

      // A session plugged in before the start: the answer names it, and the page links it.
      await started("S-PLUGGED");
      mode = "already-running";
      await quick.getByRole("button", { name: "Remote start" }).click();
      await link.waitFor();
      const plugged = await ledgerIdOf("S-PLUGGED");
      assertEquals(
        await link.innerText(),
        `Transaction #${plugged} (station's id S-PLUGGED) was already running: the start applies to it →`,
      );

      // A start the station accepts and does not act on yet: the note says what comes and why it may not.
      mode = "silent";
      await quick.getByRole("button", { name: "Remote start" }).click();
      const waiting = quick.locator('[data-remote-start="waiting"]');
      await waiting.waitFor();
      const note = await waiting.innerText();
      for (
        const text of ["TransactionEvent", "remoteStartId", "EVConnectionTimeOut", "AuthorizeRemoteStart"]
      ) {
        assertStringIncludes(note, text);
      }
      assertEquals(note.includes("StartTransaction once"), false, note);

      // The Commands panel's RequestStartTransaction gets the same note.
      const forms = page.locator('section[aria-labelledby="commands-title"]');
      await forms.locator('select[name="action"]').selectOption("RequestStartTransaction");
      // EVSE 1 has sessions running: the API refuses a start there unless forced.
      await forms.getByLabel(/\(force\)/).check();
      await forms.getByRole("button", { name: /^Send: / }).click();
      const formNote = forms.locator('[data-remote-start="waiting"]');
      await formNote.waitFor();
      assertEquals(await formNote.getAttribute("data-dialect"), "ocpp2.0.1");

      // 1.6: its own words; a refusal says nothing starts.
      await page.goto(`${server.url}/stations/CP-RS16`);
      const quick16 = page.locator(".quick-actions");
      await quick16.locator('input[name="idTag"]').fill("TAG-1");
      await quick16.getByRole("button", { name: "Remote start" }).click();
      const waiting16 = quick16.locator('[data-remote-start="waiting"]');
      await waiting16.waitFor();
      assertEquals(await waiting16.getAttribute("data-dialect"), "ocpp1.6");
      for (const text of ["StartTransaction", "ConnectionTimeOut", "AuthorizeRemoteTxRequests"]) {
        assertStringIncludes(await waiting16.innerText(), text);
      }
      accept16 = false;
      await quick16.getByRole("button", { name: "Remote start" }).click();
      const refused = quick16.locator('[data-remote-start="refused"]');
      await refused.waitFor();
      assertEquals(await refused.innerText(), "The station refused: no transaction starts.");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});
