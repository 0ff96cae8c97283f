/**
 * A firmware campaign end to end with virtual stations (simulator/, strict frames) that really download the
 * image from a loopback server, install it, reboot and report: the job of UpdateFirmware follows each
 * station's FirmwareStatusNotifications to Installed, a station offline is reported as such, and an image
 * that cannot be downloaded ends as failed.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { withFleet } from "./helpers/simulation.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function finishedJob(server: ApiTestServer, jobId: string): Promise<Json> {
  return await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/jobs/${encodeURIComponent(jobId)}`, { as: "viewer" });
      return body.state === "finished" ? body : null;
    },
    20_000,
    `job ${jobId} finished`,
  );
}

Deno.test("a firmware campaign follows the status notifications to Installed, and a failed download to failed", async () => {
  const images = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new URL(request.url).pathname === "/fw/volt-2.0.bin"
        ? new Response(new Uint8Array(1024))
        : new Response("no such image", { status: 404 }),
  );
  const base = `http://127.0.0.1:${images.addr.port}/fw`;
  try {
    await withFleet({ FLEET_POLL_MS: "50" }, { stations: 3, prefix: "FW-" }, async (server, fleet) => {
      await fleet.station("FW-3").stop();
      await eventually(() => !server.registry.isConnected("FW-3"), 3000, "FW-3 offline");
      const stream = await server.api("/api/v1/events?types=job", { as: "viewer" });
      const created = await server.json("/api/v1/jobs", {
        method: "POST",
        as: "operator",
        body: {
          action: "UpdateFirmware",
          payload: { location: `${base}/volt-2.0.bin`, retrieveDate: new Date().toISOString() },
          chargePointIds: ["FW-1", "FW-2", "FW-3"],
        },
      });
      assertEquals(created.status, 201, JSON.stringify(created.body));
      assertEquals(typeof created.body.campaign.deadline, "string");
      const job = await finishedJob(server, created.body.id);
      await stream.body?.cancel();
      const tasks = Object.fromEntries(
        job.tasks.items.map((t: Json) => [t.chargePointId, [t.outcome, t.result, t.firmwareStatus]]),
      );
      assertEquals(tasks, {
        "FW-1": ["accepted", "installed", "Installed"],
        "FW-2": ["accepted", "installed", "Installed"],
        "FW-3": ["not_connected", null, null],
      });
      assertEquals(job.counts.results, { installed: 2 });
      assertEquals(fleet.station("FW-1").snapshot().firmwareVersion, "volt-2.0");
      const booted = await server.json("/api/v1/charge-points/FW-1", { as: "viewer" });
      assertEquals(booted.body.boot.firmwareVersion, "volt-2.0");

      // An image that is not there: the download fails, and so does the campaign for that station.
      const broken = await server.json("/api/v1/jobs", {
        method: "POST",
        as: "operator",
        body: {
          action: "UpdateFirmware",
          payload: { location: `${base}/missing.bin`, retrieveDate: new Date().toISOString(), retries: 1 },
          chargePointIds: ["FW-1"],
        },
      });
      const failed = await finishedJob(server, broken.body.id);
      const [task] = failed.tasks.items;
      assertEquals([task.outcome, task.result, task.firmwareStatus], [
        "accepted",
        "failed",
        "DownloadFailed",
      ]);
    });
  } finally {
    await images.shutdown();
  }
});
