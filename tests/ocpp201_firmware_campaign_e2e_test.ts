/**
 * A firmware campaign over a mixed fleet: the operator's one UpdateFirmware job (1.6's payload) reaches a 1.6
 * station as it is and the OCPP 2.0.1 stations (npm `ocpp-rpc` in strict mode, checking it against the
 * official schema) as 2.0.1's UpdateFirmware (requestId, firmware.location, firmware.retrieveDateTime); the
 * campaign follows each station's FirmwareStatusNotifications (2.0.1's carry the requestId) to Installed or
 * InstallationFailed, ignoring a status about another update's requestId, and a 2.0.1 station's Rejected
 * answer fails it at once.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a firmware campaign over a mixed fleet follows 1.6 and 2.0.1 firmware statuses to their end", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const stations: Station[] = [];
  const asked: Record<string, Json> = {};
  const location = "https://fw.example.com/volt-3.0.bin";
  const retrieveDate = new Date().toISOString();
  try {
    // 2.0.1: one installs, one fails to install, one refuses.
    const plan201: Record<string, string[] | "Rejected"> = {
      "FWM-201A": ["Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"],
      "FWM-201B": ["Downloading", "Downloaded", "Installing", "InstallationFailed"],
      "FWM-201C": "Rejected",
    };
    for (const [id, statuses] of Object.entries(plan201)) {
      const station = await connectStation201(server.wsUrl, id);
      station.handle("UpdateFirmware", ({ params }) => {
        asked[id] = params;
        if (statuses === "Rejected") return { status: "Rejected" };
        setTimeout(async () => {
          // FWM-201A first reports the end of an earlier update (another requestId): not the campaign's.
          if (id === "FWM-201A") {
            await station.call("FirmwareStatusNotification", {
              status: "InstallationFailed",
              requestId: params.requestId + 1,
            });
          }
          for (const status of statuses) {
            await station.call("FirmwareStatusNotification", { status, requestId: params.requestId });
          }
        }, 20);
        return { status: "Accepted" };
      });
      stations.push(station);
    }
    const old = await connectStation(server.wsUrl, "FWM-16");
    old.handle("UpdateFirmware", ({ params }) => {
      asked["FWM-16"] = params;
      setTimeout(async () => {
        for (const status of ["Downloading", "Downloaded", "Installing", "Installed"]) {
          await old.call("FirmwareStatusNotification", { status });
        }
      }, 20);
      return {};
    });
    stations.push(old);

    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: {
        action: "UpdateFirmware",
        payload: { location, retrieveDate, retries: 2 },
        chargePointIds: ["FWM-16", "FWM-201A", "FWM-201B", "FWM-201C"],
      },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const job = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/jobs/${created.body.id}`, { as: "viewer" });
        return body.state === "finished" ? body : null;
      },
      20_000,
      "the campaign finished",
    );
    assertEquals(
      Object.fromEntries(
        job.tasks.items.map((t: Json) => [t.chargePointId, [t.outcome, t.result, t.firmwareStatus]]),
      ),
      {
        "FWM-16": ["accepted", "installed", "Installed"],
        "FWM-201A": ["accepted", "installed", "Installed"],
        "FWM-201B": ["accepted", "failed", "InstallationFailed"],
        "FWM-201C": ["accepted", "failed", null],
      },
    );
    assertEquals(job.counts.results, { installed: 2, failed: 2 });
    // Each dialect got its own shape; the 2.0.1 requestIds are integers the statuses carried back.
    assertEquals(asked["FWM-16"], { location, retrieveDate, retries: 2 });
    for (const id of ["FWM-201A", "FWM-201B", "FWM-201C"]) {
      const { requestId, ...rest } = asked[id];
      assertEquals(Number.isInteger(requestId), true, `${id} requestId ${requestId}`);
      assertEquals(rest, { firmware: { location, retrieveDateTime: retrieveDate }, retries: 2 });
    }
    const history =
      (await server.json("/api/v1/charge-points/FWM-201A/file-status-history", { as: "viewer" }))
        .body.items;
    assertEquals(history[0].status, "Installed");
    assertEquals(history[0].requestId, asked["FWM-201A"].requestId);
  } finally {
    for (const station of stations) await closeStation(station);
    await server.close();
  }
});
