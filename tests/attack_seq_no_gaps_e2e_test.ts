/**
 * A 2.0.1 station numbering one transaction's events with gaps (0, 1000, 2000, ...) made one stored seqNo
 * range per event: past ~4,500 events the transaction's KV record passed 64 KiB and every later event of it,
 * its Ended included, was answered InternalError for ever (on PostgreSQL, an ever larger row rewritten per
 * event). The ranges are bounded (MAX_SEQ_NO_RANGES, the closest ones joined): the record stays small, the
 * Ended is stored, a replayed event is still a replay. Raw WebSocket, both stores.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawCall } from "./helpers/station.ts";
import { MAX_SEQ_NO_RANGES } from "../model/seq_no_ranges.ts";

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a transaction's events numbered with gaps keep its stored seqNos bounded`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-SEQGAPS`, ["ocpp2.0.1"]);
      try {
        const boot = { reason: "PowerUp", chargingStation: { model: "M", vendorName: "V" } };
        assertEquals((await rawCall(socket, "BootNotification", boot))[0], 3);
        const event = (eventType: string, seqNo: number) =>
          rawCall(socket, "TransactionEvent", {
            eventType,
            timestamp: new Date().toISOString(),
            triggerReason: "MeterValuePeriodic",
            seqNo,
            transactionInfo: { transactionId: "GAPS" },
            evse: { id: 1 },
          });
        assertEquals((await event("Started", 0))[0], 3);
        for (let i = 1; i <= MAX_SEQ_NO_RANGES + 40; i++) {
          const reply = await event("Updated", i * 1000);
          assertEquals(reply[0], 3, `event ${i}: ${JSON.stringify(reply).slice(0, 200)}`);
        }
        assertEquals((await event("Updated", 5000))[0], 3); // a replay
        assertEquals((await event("Ended", 2_000_000_000))[0], 3);
        const list = await server.json("/api/v1/transactions?chargePointId=CP-SEQGAPS&limit=5", {
          as: "viewer",
        });
        assertEquals(list.status, 200);
        const [tx] = list.body.items;
        assertEquals(tx.status, "finished");
        assert(tx.seqNoRanges.length <= MAX_SEQ_NO_RANGES, `${tx.seqNoRanges.length} ranges kept`);
      } finally {
        await socket.close();
      }
    });
  });
}
