/**
 * Every session still open across a reboot is pointed at, however many newer sessions were flagged since: a
 * station's session left open across its reboot (the oldest flag), then 1,000 newer flagged sessions, all
 * finished since (more than the transactions page's 50 and the overview's 1,000 newest flags that were read).
 * The transactions page's card (server-rendered, as a browser gets it) and the overview's `stuck` count still
 * show the old one, and only it.
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const NEWER = 1000;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

Deno.test("the oldest session left open across a reboot is still pointed at behind 1,000 newer flagged ones", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  let station: Station | undefined;
  try {
    station = await connectStation(server.wsUrl, "CP-FORGOT");
    const { transactionId: forgotten } = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "TAG-1",
      meterStart: 1000,
      timestamp: minutesAgo(600),
    });
    // The station reboots, forgets the session and reports the connector free.
    await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
    await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
    await eventually(
      async () =>
        (await server.json(`/api/v1/transaction-flags?transactionId=${forgotten}`)).body.items.length === 1,
      5000,
      "the open_after_reboot flag",
    );

    // 1,000 newer sessions of another station, each flagged the same way and finished since.
    const { store } = server;
    const flags = server.fleet.store.flags;
    const busy = "CP-BUSY";
    for (let i = 0; i < NEWER; i++) {
      const timestamp = minutesAgo(500 - i * 0.1);
      const started = await store.startTransaction({
        chargePointId: busy,
        connectorId: 1,
        idTag: "TAG-2",
        idTagStatus: "Accepted",
        meterStart: 0,
        timestamp,
        reservationId: null,
        receivedAt: timestamp,
      });
      const id = started.transaction.transactionId;
      assert(id > forgotten);
      assert(
        await flags.addFlag({
          transactionId: id,
          kind: "open_after_reboot",
          chargePointId: busy,
          connectorId: 1,
          at: timestamp,
          details: { bootedAt: timestamp, startedAt: timestamp, status: "Available", statusAt: timestamp },
        }),
      );
      const stopped = await store.stopTransaction({
        chargePointId: busy,
        transactionId: id,
        idTag: null,
        idTagStatus: null,
        meterStop: 10,
        timestamp,
        reason: "Local",
        transactionData: null,
        receivedAt: timestamp,
      });
      assertEquals(stopped.outcome, "stopped");
    }

    const cookie = await server.login(ADMIN.username, ADMIN.password);
    const page = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
      assertEquals(res.status, 200);
      return await res.text();
    };
    const pointedAt = (html: string) =>
      [...html.matchAll(/data-stuck-transaction="(\d+)"/g)].map((m) => m[1]);
    assertEquals(pointedAt(await page("/transactions")), [String(forgotten)]);
    assertEquals(pointedAt(await page("/transactions?chargePointId=CP-FORGOT")), [String(forgotten)]);
    assertEquals(pointedAt(await page(`/transactions?chargePointId=${busy}`)), []);

    const overview = (await server.json("/api/v1/overview")).body;
    assertEquals(overview.attention.stuck, 1);
  } finally {
    if (station) await closeStation(station);
    await server.close();
  }
});
