/**
 * A connected station that sent no StatusNotification since its boot: "starting up" for STATUS_GRACE_S after
 * the boot (or the connection, when later), then "connected, not reporting", which needs attention, until a
 * status comes (a stale one too: a station whose clock reset with its reboot). A reboot waits afresh even
 * though the connectors still show what the station reported before it; a reconnection without a boot does
 * not. Over the JSON API the overview and the station page read, on KV and PostgreSQL, the server's clock
 * moved on instead of waiting; and in a real browser with a grace of a few seconds.
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { createUser, launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

interface Awaiting {
  since: string;
  overdueAt: string;
  overdue: boolean;
}

interface Row {
  id: string;
  attention: string[];
  awaitingStatus: Awaiting | null;
  connectors: { connectorId: number; status: string }[];
}

async function overview(server: ApiTestServer, query = "") {
  const res = await server.json(`/api/v1/overview${query}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body as { attention: { silent: number }; items: Row[] };
}

async function row(server: ApiTestServer, id: string): Promise<Row> {
  const found = (await overview(server, `?search=${id}`)).items.find((r) => r.id === id);
  if (!found) throw new Error(`${id} is not on the overview`);
  return found;
}

/** What the station page reads: the station's detail. */
async function detail(server: ApiTestServer, id: string) {
  const res = await server.json(`/api/v1/charge-points/${id}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body as { awaitingStatus: Awaiting | null; statusReceivedAt: string | null; bootedAt: string };
}

/** "starting", "overdue" or "reporting", as the overview and the station's detail both say. */
async function waitState(server: ApiTestServer, id: string): Promise<string> {
  const [r, d] = await Promise.all([row(server, id), detail(server, id)]);
  assertEquals(r.awaitingStatus, d.awaitingStatus, "the overview and the station page agree");
  const state = r.awaitingStatus === null ? "reporting" : r.awaitingStatus.overdue ? "overdue" : "starting";
  assertEquals(r.attention.includes("silent"), state === "overdue", `attention of ${id}: ${r.attention}`);
  return state;
}

function status(s: Station, connectorId: number, value: string, timestamp = new Date().toISOString()) {
  return s.call("StatusNotification", { connectorId, status: value, errorCode: "NoError", timestamp });
}

const BACKENDS = [
  { name: "KV", ignore: false, open: () => Promise.resolve(null) },
  {
    name: "PostgreSQL",
    ignore: await ignoreWithoutPostgres("awaiting status e2e on PostgreSQL"),
    open: () => migratedDatabase("awaiting_status"),
  },
];

for (const backend of BACKENDS) {
  Deno.test({
    name:
      `${backend.name}: a booted station is starting up, then connected and not reporting, until a status`,
    ignore: backend.ignore,
    async fn() {
      const db = await backend.open();
      let offsetMs = 0;
      const skip = (seconds: number) => void (offsetMs += seconds * 1000);
      const server = await startApiServer(
        { STATUS_GRACE_S: "60" },
        {
          now: () => new Date(Date.now() + offsetMs),
          ...(db ? { store: await openPostgresStore(db.url) } : {}),
        },
      );
      const stations: Station[] = [];
      try {
        let cp = await connectStation(server.wsUrl, "CP-BOOT");
        stations.push(cp);
        const v201 = await connectStation201(server.wsUrl, "CP-BOOT-201");
        stations.push(v201);
        // Pending: it may send nothing but BootNotification, so nothing is waited for.
        const held = await server.json("/api/v1/charge-points/CP-HELD", {
          method: "PUT",
          body: { registrationStatus: "Pending" },
        });
        assertEquals(held.status, 201, JSON.stringify(held.body));
        stations.push(await connectStation(server.wsUrl, "CP-HELD", { boot: false }));

        assertEquals(await waitState(server, "CP-BOOT"), "starting");
        assertEquals(await waitState(server, "CP-BOOT-201"), "starting");
        assertEquals(await waitState(server, "CP-HELD"), "reporting");
        const booted = (await detail(server, "CP-BOOT")).bootedAt;
        assertEquals((await row(server, "CP-BOOT")).awaitingStatus?.since, booted);

        // Still within the grace a minute minus a few seconds later; past it, both need attention.
        skip(55);
        assertEquals(await waitState(server, "CP-BOOT"), "starting");
        skip(10);
        assertEquals(await waitState(server, "CP-BOOT"), "overdue");
        assertEquals(await waitState(server, "CP-BOOT-201"), "overdue");
        assertEquals(await waitState(server, "CP-HELD"), "reporting");
        assertEquals((await overview(server)).attention.silent, 2);
        assertEquals((await overview(server, "?attention=silent")).items.map((r) => r.id), [
          "CP-BOOT",
          "CP-BOOT-201",
        ]);

        // A status from each: reporting, whatever the time it names.
        await status(cp, 1, "Available", new Date(Date.now() + offsetMs).toISOString());
        await v201.call("StatusNotification", {
          timestamp: new Date(Date.now() + offsetMs).toISOString(),
          connectorStatus: "Available",
          evseId: 1,
          connectorId: 1,
        });
        await eventually(async () => (await overview(server)).attention.silent === 0, 5000, "both reporting");
        assertEquals(await waitState(server, "CP-BOOT"), "reporting");
        assertEquals(await waitState(server, "CP-BOOT-201"), "reporting");
        assertEquals((await detail(server, "CP-BOOT")).statusReceivedAt !== null, true);

        // It reboots: the connector still shows Available, from before the boot, but it is starting up again.
        skip(600);
        await closeStation(cp);
        cp = await connectStation(server.wsUrl, "CP-BOOT");
        stations.push(cp);
        assertEquals(await waitState(server, "CP-BOOT"), "starting");
        assertEquals((await row(server, "CP-BOOT")).connectors.map((c) => c.status), ["Available"]);
        skip(61);
        assertEquals(await waitState(server, "CP-BOOT"), "overdue");
        // Its clock reset with the reboot: the status is older than the one shown, kept in the history only,
        // and it reports all the same.
        await status(cp, 1, "Faulted", "2001-01-01T00:00:00.000Z");
        await eventually(async () => await waitState(server, "CP-BOOT") === "reporting", 5000, "reporting");
        assertEquals((await row(server, "CP-BOOT")).connectors.map((c) => c.status), ["Available"]);

        // A reconnection without a boot: what it reported since its boot still holds.
        await closeStation(cp);
        skip(600);
        cp = await connectStation(server.wsUrl, "CP-BOOT", { boot: false });
        stations.push(cp);
        await eventually(async () => (await row(server, "CP-BOOT")).attention !== undefined, 5000, "row");
        assertEquals(await waitState(server, "CP-BOOT"), "reporting");
      } finally {
        for (const s of stations) await closeStation(s).catch(() => {});
        await server.close();
        await db?.drop();
      }
    },
  });
}

Deno.test({
  name:
    `browser: the station page and the overview show starting up, then connected and not reporting, then the statuses${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    // A short grace: the page turns from starting up to not reporting on its own, without a reload. Short, but
    // not so short that a busy machine renders the page after it.
    const server = await startApiServer({ STATUS_GRACE_S: "12" });
    const errors: string[] = [];
    let browser: Browser | undefined;
    let cp: Station | undefined;
    try {
      const viewer = { username: "vick", password: "viewer-password-1" };
      await createUser(server, viewer, "viewer");
      // Known before it connects, so its page is open when it boots: the grace runs while the page shows it.
      const known = await server.json("/api/v1/charge-points/CP-UP", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      });
      assertEquals(known.status, 201, JSON.stringify(known.body));
      browser = await launch();
      const page = await signedInPage(browser, server.url, viewer, errors);
      await page.goto(`${server.url}/stations/CP-UP`);
      await page.locator('[data-live="true"]').first().waitFor();
      cp = await connectStation(server.wsUrl, "CP-UP");
      await page.locator('[data-awaiting-status="starting"]').first().waitFor({ timeout: 8000 });
      await page.getByText("Starting up since").waitFor();
      await shot(page, "station-starting-up");
      // Past the grace, on the page's own timer.
      await page.locator('[data-awaiting-status="overdue"]').first().waitFor({ timeout: 20_000 });
      await page.getByText("No StatusNotification since its boot").waitFor();
      await shot(page, "station-not-reporting");

      // The overview counts it, and names it in its row.
      await page.goto(`${server.url}/`);
      await page.locator('[data-attention="silent"][data-count="1"]').waitFor();
      await page.locator('tr[data-station="CP-UP"] [data-awaiting-status="overdue"]').waitFor();
      await shot(page, "overview-not-reporting");

      // A status: the row and the strip follow live.
      await status(cp, 1, "Available");
      await page.locator('[data-attention="silent"][data-count="0"]').waitFor({ timeout: 5000 });
      await page.locator('tr[data-station="CP-UP"] [data-connector="1"][data-status="Available"]').waitFor();
      assertEquals(await page.locator('tr[data-station="CP-UP"] [data-awaiting-status]').count(), 0);

      // A reboot: starting up again on the station page, the connector shown from before.
      await page.goto(`${server.url}/stations/CP-UP`);
      assertEquals(await page.locator("[data-awaiting-status]").count(), 0);
      await page.locator('[data-live="true"]').first().waitFor();
      await cp.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
      await page.locator('[data-awaiting-status="starting"]').first().waitFor({ timeout: 5000 });
      await status(cp, 1, "Available");
      await eventually(async () => await page.locator("[data-awaiting-status]").count() === 0, 5000, "gone");

      // Another reboot, and a report older than the connector's (a clock reset): no event, but the wait ends on
      // the page within its periodic read.
      await cp.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
      await page.locator('[data-awaiting-status="starting"]').first().waitFor({ timeout: 5000 });
      await status(cp, 1, "Charging", new Date(Date.now() - 3_600_000).toISOString());
      await eventually(
        async () => await page.locator("[data-awaiting-status]").count() === 0,
        15_000,
        "gone after a stale report",
      );
      await page.locator('[data-connector="1"][data-status="Available"]').first().waitFor();
      assertEquals(errors, []);
    } finally {
      if (cp) await closeStation(cp).catch(() => {});
      await browser?.close();
      await server.close();
    }
  },
});
