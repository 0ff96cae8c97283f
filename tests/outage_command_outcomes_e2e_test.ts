/**
 * Operators keep sending a connected station commands while the disk under the KV store is full (a small tmpfs,
 * tests/helpers/small_disk.ts, root only): none goes out (its `sending` row cannot be written: 503), and the
 * station's actor keeps each one's outcome to write once it can, in case the store took that row after all.
 * At most MAX_UNSETTLED_OUTCOMES of them: memory does not grow with the outage. The drops are one warning when
 * they start and one line with their count when the store takes the outcomes again. Raw ws 1.6 station.
 */
import { assertEquals } from "@std/assert";
import { MAX_UNSETTLED_OUTCOMES } from "../actors/unsettled_outcomes.ts";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, rawCall } from "./helpers/station.ts";
import { mountSmallDisk, smallDiskUnavailable } from "./helpers/small_disk.ts";

const noSmallDisk = await smallDiskUnavailable();

const CP = "CP-OUTAGE-CMDS";
const SENT = MAX_UNSETTLED_OUTCOMES + 10;

Deno.test({
  name:
    "KV on a full disk: a station's refused commands keep at most MAX_UNSETTLED_OUTCOMES outcomes, logged once",
  ignore: noSmallDisk !== null,
  fn: async () => {
    const disk = await mountSmallDisk(16);
    const server = await spawnServer({
      KV_PATH: `${disk.path}/csms.kv`,
      STATION_MSG_RATE: "0",
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    try {
      const api = await adminApi(server.url);
      const station = await bootedRawStation(`${server.wsUrl}/${CP}`);
      try {
        await disk.fill();
        for (let i = 0; i < SENT; i++) {
          const res = await api(`/charge-points/${CP}/Reset`, { method: "POST", body: { type: "Soft" } });
          assertEquals(res.status, 503, JSON.stringify(res.body));
        }
        assertEquals(station.received.filter((f) => (f as unknown[])[0] === 2), [], "no CALL went out");
        await disk.free();
        await eventually(
          async () => (await rawCall(station, "Heartbeat", {}))[0] === 3,
          15_000,
          "writes back",
        );
        const settled = (l: Record<string, unknown>) =>
          l.msg === "command outcomes dropped while the store failed";
        await eventually(() => server.logs.some(settled), 15_000, "the outcomes written again");
        const log = await api(`/charge-points/${CP}/commands?limit=100`);
        assertEquals(log.status, 200);
        const items = log.body.items as { action: string; outcome: string }[];
        assertEquals(items.length, MAX_UNSETTLED_OUTCOMES);
        assertEquals(items.every((e) => e.action === "Reset" && e.outcome === "refused"), true);
        const lines = server.logs.filter((l) => String(l.msg).startsWith("command outcomes dropped"));
        assertEquals(lines.map((l) => [l.msg, l.chargePointId, l.dropped]), [
          ["command outcomes dropped: too many wait for the store", CP, undefined],
          ["command outcomes dropped while the store failed", CP, SENT - MAX_UNSETTLED_OUTCOMES],
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
