/**
 * A station whose GetConfiguration answer is larger than one KV value (64 KiB: 150 keys of 500 characters,
 * what the 1.6 schema allows, in a frame MAX_FRAME_BYTES was raised for) must not wedge its own writes: the
 * answer reaches the operator, and the station's next frames are stored and answered as before (a commit KV
 * refused was retried with each later one). Raw station, both stores.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 75 KB configuration neither fails the command nor the station's next writes`, async () => {
    await withApiServer(kind, async (server) => {
      // MAX_FRAME_BYTES raised (an operator may): the answer fits a frame, not one KV value.
      const socket = await openRaw(`${server.wsUrl}/CP-WIDECFG`);
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const asked = server.json("/api/v1/charge-points/CP-WIDECFG/GetConfiguration", {
          method: "POST",
          as: "operator",
          body: {},
        });
        const call = await socket.next() as [number, string, string];
        assertEquals(call[2], "GetConfiguration");
        const configurationKey = Array.from({ length: 150 }, (_, i) => ({
          key: `VendorKey${String(i).padStart(3, "0")}`,
          readonly: false,
          value: "v".repeat(500),
        }));
        socket.send(JSON.stringify([3, call[1], { configurationKey }]));
        const answer = await asked;
        assertEquals(answer.status, 200, JSON.stringify(answer.body).slice(0, 300));
        // The station goes on: its status and a session are stored and answered.
        await rawAnswer(socket, "StatusNotification", {
          connectorId: 1,
          status: "Available",
          errorCode: "NoError",
          timestamp: new Date().toISOString(),
        });
        const { transactionId } = await rawAnswer(socket, "StartTransaction", {
          connectorId: 1,
          idTag: "T",
          meterStart: 0,
          timestamp: new Date().toISOString(),
        });
        await rawAnswer(socket, "StopTransaction", {
          transactionId,
          meterStop: 100,
          timestamp: new Date().toISOString(),
        });
        const tx = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
        assertEquals([tx.body.status, tx.body.energyWh], ["finished", 100]);
        const station = await server.json("/api/v1/charge-points/CP-WIDECFG", { as: "viewer" });
        assertEquals(station.body.connectors[0]?.status, "Available");
        // PostgreSQL keeps it whole; KV its first keys that fit one value.
        const kept = (await server.json("/api/v1/charge-points/CP-WIDECFG/configuration", { as: "viewer" }))
          .body.configuration as { key: string }[];
        if (kind === "postgres") assertEquals(kept.length, 150);
        else assert(kept.length > 90 && kept.length < 150, `${kept.length} keys kept`);
        assertEquals(kept.map((k) => k.key), configurationKey.slice(0, kept.length).map((k) => k.key));
      } finally {
        await socket.close();
      }
    }, { MAX_FRAME_BYTES: String(1024 * 1024) });
  });
}
