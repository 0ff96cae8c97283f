/**
 * Texts a station may send that are larger than one Deno KV value (64 KiB) once stored: a DataTransfer's data
 * just under MAX_FRAME_BYTES, and a 65 KB answer to an operator's DataTransfer. Both are answered as any other
 * and kept, whole on PostgreSQL, their start on KV (a write KV refused was answered InternalError, retried for
 * ever by the station, or lost the command's log entry). Raw station, both stores.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a 65 KB DataTransfer, and a 65 KB answer to one, are answered and kept`, async () => {
    await withApiServer(kind, async (server) => {
      const socket = await openRaw(`${server.wsUrl}/CP-TALKY`);
      try {
        await rawAnswer(socket, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
        const data = "d".repeat(65_400);
        for (let i = 0; i < 2; i++) {
          const answer = await rawAnswer(socket, "DataTransfer", { vendorId: "QAV", messageId: "m", data });
          assertEquals(answer.status, "UnknownVendorId");
        }
        const stored = await server.json("/api/v1/data-transfers?chargePointId=CP-TALKY", { as: "operator" });
        assertEquals(stored.status, 200, JSON.stringify(stored.body).slice(0, 300));
        assertEquals(stored.body.items.length, 2);
        const kept = stored.body.items[0].data as string;
        if (kind === "postgres") assertEquals(kept, data);
        else assertStringIncludes(kept, "[cut: 65400 characters in all");

        // An operator's DataTransfer answered with 65,300 characters.
        const asked = server.json("/api/v1/charge-points/CP-TALKY/DataTransfer", {
          method: "POST",
          as: "operator",
          body: { vendorId: "QAV", messageId: "x", data: "y" },
        });
        const call = await socket.next() as [number, string, string];
        assertEquals(call[2], "DataTransfer");
        const reply = "r".repeat(65_300);
        socket.send(JSON.stringify([3, call[1], { status: "Accepted", data: reply }]));
        assertEquals((await asked).status, 200);
        const log = await server.json("/api/v1/charge-points/CP-TALKY/commands", { as: "operator" });
        const entry = (log.body.items as { action: string; response: unknown }[])
          .find((e) => e.action === "DataTransfer");
        assert(entry, JSON.stringify(log.body).slice(0, 300));
        if (kind === "postgres") assertEquals(entry.response, { status: "Accepted", data: reply });
        else {
          const cut = entry.response as { cut: boolean; length: number; start: string };
          assertEquals([cut.cut, cut.length], [
            true,
            JSON.stringify({ status: "Accepted", data: reply }).length,
          ]);
        }
        await rawAnswer(socket, "Heartbeat", {});
      } finally {
        await socket.close();
      }
    });
  });
}
