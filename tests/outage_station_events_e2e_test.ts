/**
 * What a station tells us about others while the disk under the KV store is full (a small tmpfs,
 * tests/helpers/small_disk.ts, root only): an unknown id tag, a security event. A CALL we could not store
 * is answered InternalError and its station sends it again once we can; one we could answer without a write
 * (an Authorize) is not sent again. Either way, once space is back, each tag is listed and each event stored
 * once: the tally of an answered Authorize waits in memory for the disk, and a SecurityEventNotification
 * answered InternalError leaves nothing queued that its copy would double. Raw ws 1.6 station.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, rawCall } from "./helpers/station.ts";
import { mountSmallDisk, smallDiskUnavailable } from "./helpers/small_disk.ts";

const noSmallDisk = await smallDiskUnavailable();

const CP = "CP-OUTAGE-EVENTS";

Deno.test({
  name:
    "KV on a full disk: an unknown tag answered meanwhile is listed once space is back, a refused security event is stored once after its retry",
  ignore: noSmallDisk !== null,
  fn: async () => {
    const disk = await mountSmallDisk(16);
    const server = await spawnServer({
      KV_PATH: `${disk.path}/csms.kv`,
      STATION_MSG_RATE: "0",
      // lastSeen alone is not written for a while: an Authorize needs no write, and is answered.
      LAST_SEEN_INTERVAL_S: "300",
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    try {
      const api = await adminApi(server.url);
      const station = await bootedRawStation(`${server.wsUrl}/${CP}`);
      try {
        await disk.fill();
        const answered = await rawCall(station, "Authorize", { idTag: "ANSWERED-CARD" });
        assertEquals(answered[2], { idTagInfo: { status: "Invalid" } });
        const event = { type: "InvalidFirmwareSignature", timestamp: "2026-12-07T09:00:00Z" };
        const refusedEvent = await rawCall(station, "SecurityEventNotification", event);
        assertEquals(refusedEvent[2], "InternalError");
        // A write fails: the next CALL carries lastSeen, so this Authorize is refused too.
        assertEquals(
          (await rawCall(station, "StatusNotification", {
            connectorId: 1,
            status: "Faulted",
            errorCode: "GroundFailure",
          }))[2],
          "InternalError",
        );
        assertEquals((await rawCall(station, "Authorize", { idTag: "REFUSED-CARD" }))[2], "InternalError");
        // A few of the loops' rounds fail meanwhile (the tally's flush every 2 s, the event log's retry).
        await new Promise((r) => setTimeout(r, 6_000));
        await disk.free();
        // The station sends what was refused again, under new message ids, once we answer.
        await eventually(
          async () => (await rawCall(station, "Heartbeat", {}))[0] === 3,
          15_000,
          "writes back",
        );
        assertEquals((await rawCall(station, "SecurityEventNotification", event))[0], 3);
        assertEquals(await rawCall(station, "Authorize", { idTag: "REFUSED-CARD" }).then((r) => r[2]), {
          idTagInfo: { status: "Invalid" },
        });
        const listed = await eventually(
          async () => {
            const tags = await api("/unknown-id-tags");
            const items = tags.body.items as { idTag: string; count: number }[];
            return items.length >= 2 ? items : null;
          },
          15_000,
          "both tags listed",
        );
        assertEquals(listed!.map((t) => [t.idTag, t.count]).sort(), [["ANSWERED-CARD", 1], [
          "REFUSED-CARD",
          1,
        ]]);
        // The list flushes the log first: a copy still queued would be stored by now.
        const events = await api(`/security-events?chargePointId=${CP}`);
        assertEquals(events.status, 200);
        const stationEvents = (events.body.items as { kind: string; reason: string }[])
          .filter((e) => e.kind.startsWith("station_event"));
        assertEquals(stationEvents.map((e) => e.reason), [
          "InvalidFirmwareSignature (station time 2026-12-07T09:00:00.000Z)",
        ]);
      } finally {
        await station.close();
      }
    } finally {
      await server.kill("SIGTERM");
      await disk.free();
      await disk.remove();
    }
  },
});
