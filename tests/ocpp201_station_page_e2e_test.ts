/**
 * The station page of an OCPP 2.0.1 station, as the server renders it: the EVSE table links the transaction
 * open on an EVSE to its page in our ledger (as a 1.6 connector links its own), and a LogStatusNotification
 * fills the header's diagnostics status (2.0.1's log upload is 1.6's diagnostics upload). A strict ocpp-rpc
 * 2.0.1 station on both stores; the page fetched over HTTP by a viewer.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 2.0.1 station's page links its EVSE's transaction and shows its log upload status`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation201(server.wsUrl, "CP-PAGE201");
      try {
        await server.json("/api/v1/users", {
          method: "POST",
          body: { username: "vera", role: "viewer", password: "vera-password-1" },
        });
        const cookie = await server.login("vera", "vera-password-1");
        const page = async () => {
          const res = await fetch(`${server.url}/stations/CP-PAGE201`, { headers: { cookie } });
          assertEquals(res.status, 200);
          return await res.text();
        };
        await station.call("StatusNotification", {
          timestamp: new Date().toISOString(),
          connectorStatus: "Occupied",
          evseId: 1,
          connectorId: 1,
        });
        await station.call("TransactionEvent", {
          eventType: "Started",
          timestamp: new Date().toISOString(),
          triggerReason: "CablePluggedIn",
          seqNo: 0,
          transactionInfo: { transactionId: "TX-LINKED" },
          evse: { id: 1, connectorId: 1 },
        });
        const [tx] =
          (await server.json("/api/v1/transactions?chargePointId=CP-PAGE201", { as: "viewer" })).body
            .items;
        assertEquals(tx.stationTransactionId, "TX-LINKED");
        const detail = (await server.json("/api/v1/charge-points/CP-PAGE201", { as: "viewer" })).body;
        assertEquals(detail.evses[0].ledgerTransactionId, tx.transactionId);
        // The EVSE table's own cell (the recent transactions table links the same page too).
        const evses = (await page()).match(/aria-label="EVSEs">.*?<\/table>/)?.[0] ?? "";
        assertStringIncludes(
          evses,
          `<a href="/transactions/${tx.transactionId}" title="#${tx.transactionId}">TX-LINKED</a>`,
        );

        // The header's diagnostics status: none yet (Idle), then the upload's progress.
        const header = async () =>
          (await page()).match(/<dt>Diagnostics upload<\/dt><dd data-diagnostics-status="[^"]*">(.*?)<\/dd>/)
            ?.[1];
        assertEquals(await header(), "Idle");
        await station.call("LogStatusNotification", { status: "Uploading", requestId: 3 });
        assertEquals(await header(), "Uploading");
        assertEquals(
          (await server.json("/api/v1/charge-points/CP-PAGE201", { as: "viewer" })).body.diagnosticsStatus,
          "Uploading",
        );
        await station.call("LogStatusNotification", { status: "Uploaded", requestId: 3 });
        assertEquals(await header(), "Uploaded");
      } finally {
        await closeStation(station);
      }
    });
  });
}
