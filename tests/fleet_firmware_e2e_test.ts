/**
 * A firmware campaign end to end with virtual stations (simulator/, strict frames) that really download the
 * image from a loopback server, install it, reboot and report: the job of UpdateFirmware follows each
 * station's FirmwareStatusNotifications to Installed, a station offline is reported as such, and an image
 * that cannot be downloaded ends as failed. A SignedUpdateFirmware campaign (Security extension) follows the
 * signed status notifications of strict stations the same way.
 */
import { assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { COMMAND_SAMPLES } from "./helpers/command_samples.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { closeStation, type Station } from "./helpers/station.ts";
import { eventually } from "./helpers/server.ts";
import { withFleet } from "./helpers/simulation.ts";
import { Background } from "./helpers/background.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";

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

Deno.test("a SignedUpdateFirmware campaign follows SignedFirmwareStatusNotification; a bad signature fails it", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const stations: Station[] = [];
  const progress = new Background();
  try {
    // Strict Security-extension stations: one installs, one finds the signature invalid, one refuses.
    const plan: Record<string, string[] | "Rejected"> = {
      "SFW-1": ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"],
      "SFW-2": ["Downloading", "Downloaded", "InvalidSignature"],
      "SFW-3": "Rejected",
    };
    for (const [id, statuses] of Object.entries(plan)) {
      const station = await connectSecurityStation(server.wsUrl, id);
      station.handle("SignedUpdateFirmware", ({ params }) => {
        if (statuses === "Rejected") return { status: "Rejected" };
        // After the answer, as a station reports its progress.
        progress.later(async () => {
          for (const status of statuses) {
            await station.call("SignedFirmwareStatusNotification", { status, requestId: params.requestId });
          }
        }, 20);
        return { status: "Accepted" };
      });
      stations.push(station);
    }
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: {
        action: "SignedUpdateFirmware",
        payload: COMMAND_SAMPLES.SignedUpdateFirmware!.request,
        chargePointIds: Object.keys(plan),
      },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const job = await finishedJob(server, created.body.id);
    const tasks = Object.fromEntries(
      job.tasks.items.map((t: Json) => [t.chargePointId, [t.outcome, t.result, t.firmwareStatus]]),
    );
    assertEquals(tasks, {
      "SFW-1": ["accepted", "installed", "Installed"],
      "SFW-2": ["accepted", "failed", "InvalidSignature"],
      // Answered, but refused by the station: failed at once, nothing to follow.
      "SFW-3": ["accepted", "failed", null],
    });
    assertEquals(job.tasks.items.find((t: Json) => t.chargePointId === "SFW-3").response, {
      status: "Rejected",
    });
  } finally {
    await progress.drain();
    for (const station of stations) await closeStation(station);
    await server.close();
  }
});

/**
 * A station that knows the outcome at once (a signature it cannot verify, an image it already has) reports it
 * right after its Accepted, before the job has recorded that it waits: the campaign must still end, not wait
 * until its deadline with the station's last word in the history.
 */
async function fastReport(kind: StoreKind): Promise<void> {
  await withApiServer(kind, async (server) => {
    const plan: Record<string, string[]> = {
      "SFW-FAST-1": ["InvalidSignature"],
      "SFW-FAST-2": ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"],
    };
    const stations: Station[] = [];
    try {
      for (const [id, statuses] of Object.entries(plan)) {
        const station = await connectSecurityStation(server.wsUrl, id);
        station.handle("SignedUpdateFirmware", ({ params }) => {
          // Sent as soon as the answer is out, as fast as the station can.
          setTimeout(async () => {
            for (const status of statuses) {
              await station.call("SignedFirmwareStatusNotification", { status, requestId: params.requestId });
            }
          }, 0);
          return { status: "Accepted" };
        });
        stations.push(station);
      }
      const created = await server.json("/api/v1/jobs", {
        method: "POST",
        as: "operator",
        body: {
          action: "SignedUpdateFirmware",
          payload: COMMAND_SAMPLES.SignedUpdateFirmware!.request,
          chargePointIds: Object.keys(plan),
          campaignHours: 1,
        },
      });
      assertEquals(created.status, 201, JSON.stringify(created.body));
      const job = await finishedJob(server, created.body.id);
      const tasks = Object.fromEntries(
        job.tasks.items.map((t: Json) => [t.chargePointId, [t.outcome, t.result, t.firmwareStatus]]),
      );
      assertEquals(tasks, {
        "SFW-FAST-1": ["accepted", "failed", "InvalidSignature"],
        "SFW-FAST-2": ["accepted", "installed", "Installed"],
      });
    } finally {
      for (const station of stations) await closeStation(station);
    }
  }, { FLEET_POLL_MS: "50" });
}

Deno.test("a station that reports its firmware's end right after Accepted still ends the campaign (KV)", () =>
  fastReport("kv"));

Deno.test({
  name: "a station that reports its firmware's end right after Accepted still ends the campaign (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("fast firmware reports on PostgreSQL"),
  fn: () => fastReport("postgres"),
});
