/**
 * A failed firmware update needs attention: a station whose last FirmwareStatusNotification (1.6, the Security
 * extension's SignedFirmwareStatusNotification, or 2.0.1's) is a failure is counted on the overview, found by
 * the `firmware` filter and shows the status under its version, until its next status (a retried update that
 * installs, or an Idle it is asked for) or until an operator dismisses that failure (connected or not, in the
 * store). Over the API on KV and PostgreSQL, and in a real browser.
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser as skip } from "./helpers/browser.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };
const VIEWER = { username: "vera", password: "viewer-password-1" };

async function overview(server: ApiTestServer, query = "") {
  const res = await server.json(`/api/v1/overview${query}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body as {
    attention: { firmware: number };
    items: { id: string; attention: string[]; firmwareStatus: string | null }[];
  };
}

async function failedIds(server: ApiTestServer) {
  return (await overview(server, "?attention=firmware")).items.map((r) => r.id);
}

const BACKENDS = [
  { name: "KV", ignore: false, open: () => Promise.resolve(null) },
  {
    name: "PostgreSQL",
    ignore: await ignoreWithoutPostgres("firmware attention e2e on PostgreSQL"),
    open: () => migratedDatabase("firmware_attention"),
  },
];

for (const backend of BACKENDS) {
  Deno.test({
    name: `${backend.name}: a station whose firmware update failed needs attention until its next status`,
    ignore: backend.ignore,
    async fn() {
      const db = await backend.open();
      const server = await startApiServer({}, db ? { store: await openPostgresStore(db.url) } : {});
      try {
        const plain = await connectStation(server.wsUrl, "CP-FW-1");
        const signed = await connectStation(server.wsUrl, "CP-FW-2");
        const v201 = await connectStation201(server.wsUrl, "CP-FW-3");
        try {
          assertEquals((await overview(server)).attention.firmware, 0);
          await plain.call("FirmwareStatusNotification", { status: "Downloading" });
          await plain.call("FirmwareStatusNotification", { status: "InstallationFailed" });
          await signed.call("SignedFirmwareStatusNotification", { status: "InvalidSignature", requestId: 7 });
          await v201.call("FirmwareStatusNotification", { status: "DownloadFailed", requestId: 8 });
          await eventually(async () => (await overview(server)).attention.firmware === 3, 5000, "3 failed");
          assertEquals(await failedIds(server), ["CP-FW-1", "CP-FW-2", "CP-FW-3"]);
          const row = (await overview(server, "?search=CP-FW-2")).items[0];
          assertEquals([row?.attention, row?.firmwareStatus], [["firmware"], "InvalidSignature"]);

          // Retried and installed; asked for its status, nothing under way: each clears.
          await plain.call("FirmwareStatusNotification", { status: "Installed" });
          await v201.call("FirmwareStatusNotification", { status: "Idle" });
          await eventually(async () => (await overview(server)).attention.firmware === 1, 5000, "1 failed");
          assertEquals(await failedIds(server), ["CP-FW-2"]);

          // An operator dismisses a failure it has seen: the connected station's flag clears, its next
          // failure flags it again. Only the failure named, only a failure, only by an operator.
          await v201.call("FirmwareStatusNotification", { status: "DownloadFailed", requestId: 9 });
          await eventually(async () => (await failedIds(server)).length === 2, 5000, "2 failed");
          const dismiss = (id: string, body: unknown, as: "viewer" | "operator" = "operator") =>
            server.json(`/api/v1/charge-points/${id}/firmware-failure/dismiss`, { method: "POST", body, as });
          assertEquals((await dismiss("CP-FW-3", { status: "DownloadFailed" }, "viewer")).status, 403);
          const invalid = await dismiss("CP-FW-3", {});
          assertEquals([invalid.status, invalid.body.error], [400, "invalid_request"]);
          const other = await dismiss("CP-FW-3", { status: "InstallationFailed" });
          assertEquals(
            [other.status, other.body.details.reason],
            [409, "firmware_status_changed"],
            JSON.stringify(other),
          );
          const none = await dismiss("CP-FW-1", { status: "Installed" });
          assertEquals([none.status, none.body.details.reason], [409, "no_firmware_failure"]);
          assertEquals((await dismiss("CP-NOWHERE", { status: "DownloadFailed" })).status, 404);
          const dismissed = await dismiss("CP-FW-3", { status: "DownloadFailed" });
          assertEquals(dismissed.status, 200, JSON.stringify(dismissed.body));
          assertEquals(dismissed.body, { chargePointId: "CP-FW-3", dismissed: "DownloadFailed" });
          await eventually(async () => (await failedIds(server)).join() === "CP-FW-2", 5000, "dismissed");
          const detail = await server.json("/api/v1/charge-points/CP-FW-3", { as: "viewer" });
          assertEquals(detail.body.firmwareStatus, null);
          await v201.call("FirmwareStatusNotification", { status: "InstallationFailed", requestId: 10 });
          await eventually(async () => (await failedIds(server)).length === 2, 5000, "failed again");
          assertEquals((await dismiss("CP-FW-3", { status: "InstallationFailed" })).status, 200);
        } finally {
          await closeStation(plain);
          await closeStation(signed);
          await closeStation(v201);
        }
        // Offline, it still needs attention: the failure is what it last said.
        await eventually(() => !server.registry.isConnected("CP-FW-2"), 5000, "disconnected");
        await eventually(async () => (await failedIds(server)).join() === "CP-FW-2", 5000, "CP-FW-2 failed");
        // Offline, dismissed in the store: every process reading it sees none (PostgreSQL: another server).
        const offline = await server.json("/api/v1/charge-points/CP-FW-2/firmware-failure/dismiss", {
          method: "POST",
          body: { status: "InvalidSignature" },
          as: "operator",
        });
        assertEquals(offline.status, 200, JSON.stringify(offline.body));
        await eventually(async () => (await failedIds(server)).length === 0, 5000, "dismissed offline");
        if (db) {
          const otherStore = await openPostgresStore(db.url);
          const other = await startApiServer({}, { store: otherStore });
          try {
            assertEquals((await overview(other)).attention.firmware, 0);
          } finally {
            await other.close();
            await otherStore.close();
          }
        }
      } finally {
        await server.close();
        await db?.drop();
      }
    },
  });
}

Deno.test({
  name:
    `dashboard: the overview counts failed firmware updates, filters them and shows the status${SKIP_REASON}`,
  ignore: skip,
  async fn() {
    const server = await startApiServer({ FLEET_POLL_MS: "50" });
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation(server.wsUrl, "CP-FW-UI");
    const fine = await connectStation(server.wsUrl, "CP-FW-OK");
    try {
      await createUser(server, OPERATOR, "operator");
      browser = await launch();
      const page = await signedInPage(browser, server.url, OPERATOR, errors);
      await page.locator('[data-attention="firmware"][data-count="0"]').waitFor();
      // Live: the failure arrives while the page is open.
      await station.call("FirmwareStatusNotification", { status: "InstallationFailed" });
      // Within 4 s: the stream's event, not the page's periodic refresh (10 s).
      const failedChip = page.locator('[data-attention="firmware"][data-count="1"]');
      await failedChip.waitFor({ timeout: 4000 });
      await failedChip.click();
      await page.locator('tr[data-station="CP-FW-UI"] [data-firmware-failed]').getByText("InstallationFailed")
        .waitFor();
      assertEquals(await page.locator("tr[data-station]").count(), 1, "the filter shows the failed one only");
      // Seen: the operator dismisses it, and the station's next failure needs attention again.
      await page.getByRole("button", { name: "Dismiss InstallationFailed of CP-FW-UI" }).click();
      await page.locator('[data-attention="firmware"][data-count="0"]').waitFor({ timeout: 4000 });
      assertEquals(await page.locator("[data-firmware-failed]").count(), 0);
      await station.call("FirmwareStatusNotification", { status: "DownloadFailed" });
      await page.locator('[data-attention="firmware"][data-count="1"]').waitFor({ timeout: 4000 });
      await page.locator('tr[data-station="CP-FW-UI"] [data-firmware-failed]').getByText("DownloadFailed")
        .waitFor();
      await station.call("FirmwareStatusNotification", { status: "Installed" });
      await page.locator('[data-attention="firmware"][data-count="0"]').waitFor({ timeout: 4000 });

      // A viewer sees a failure, and no Dismiss.
      await station.call("FirmwareStatusNotification", { status: "InstallationFailed" });
      await createUser(server, VIEWER, "viewer");
      const viewer = await signedInPage(browser, server.url, VIEWER, errors);
      await viewer.locator('tr[data-station="CP-FW-UI"] [data-firmware-failed]').waitFor();
      assertEquals(await viewer.getByRole("button", { name: /^Dismiss/ }).count(), 0);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await closeStation(fine);
      await server.close();
    }
  },
});
