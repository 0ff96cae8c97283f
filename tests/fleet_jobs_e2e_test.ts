/**
 * Jobs end to end: strict ocpp-rpc stations, the real API, the live event stream. A 50-station Reset with 5
 * stations offline reports each station's outcome, never has more commands in flight than its concurrency,
 * shows its progress on the event stream, and sends again only the failed ones on retry. Attacks: a viewer
 * creating a job, a job over stations nobody may command (an impostor socket that never booted, a Pending
 * station, an unknown id).
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, openRaw, type Station } from "./helpers/station.ts";
import { readEvents } from "./helpers/sse.ts";

const FAST = { FLEET_POLL_MS: "50", CALL_TIMEOUT_MS: "2000" };

// deno-lint-ignore no-explicit-any
type Json = any;

async function waitForJob(server: ApiTestServer, jobId: string, state = "finished"): Promise<Json> {
  return await eventually(
    async () => {
      const { body } = await server.json(`/api/v1/jobs/${encodeURIComponent(jobId)}`, { as: "viewer" });
      return body.state === state ? body : null;
    },
    15_000,
    `job ${jobId} ${state}`,
  );
}

const ignorePostgres = await ignoreWithoutPostgres("jobs e2e on PostgreSQL");

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name:
      `${kind}: a 50-station job with 5 stations offline: each station's outcome, the concurrency held, ` +
      "progress live, retry of the failed",
    ignore: kind === "postgres" && ignorePostgres,
    fn: () => withApiServer(kind, fiftyStations, FAST),
  });
}

const HASH = {
  hashAlgorithm: "SHA256",
  issuerNameHash: "a".repeat(64),
  issuerKeyHash: "b".repeat(64),
  serialNumber: "01",
};

Deno.test("jobs refuse viewers, bad payloads and stations nobody may command", async () => {
  const server = await startApiServer(FAST);
  const calls: string[] = [];
  const good = await connectStation(server.wsUrl, "CP-GOOD");
  good.handle("ClearCache", () => (calls.push("CP-GOOD"), { status: "Accepted" }));
  // An impostor: a socket with an id that never booted. It must get nothing.
  const impostor = await openRaw(`${server.wsUrl}/CP-IMPOSTOR`);
  // A station waiting for acceptance.
  await server.json("/api/v1/charge-points/CP-PENDING", {
    method: "PUT",
    body: { registrationStatus: "Pending" },
  });
  const pending = await connectStation(server.wsUrl, "CP-PENDING", { boot: false });
  pending.handle("ClearCache", () => (calls.push("CP-PENDING"), { status: "Accepted" }));
  try {
    const body = {
      action: "ClearCache",
      payload: {},
      chargePointIds: ["CP-GOOD", "CP-IMPOSTOR", "CP-PENDING", "CP-NOBODY"],
    };
    const asViewer = await server.json("/api/v1/jobs", { method: "POST", as: "viewer", body });
    assertEquals([asViewer.status, asViewer.body.error], [403, "forbidden"]);
    const anonymous = await server.json("/api/v1/jobs", { method: "POST", as: null, body });
    assertEquals(anonymous.status, 401);
    assertEquals((await server.json("/api/v1/jobs", { as: "viewer" })).body.items, [], "nothing was created");

    const badPayload = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "Reset", payload: { type: "Sideways" }, chargePointIds: ["CP-GOOD"] },
    });
    assertEquals([badPayload.status, badPayload.body.details.field], [400, "payload.type"]);
    const notACommand = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "BootNotification", payload: {}, chargePointIds: ["CP-GOOD"] },
    });
    assertEquals(notACommand.status, 400);
    const twoTargets = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { ...body, filter: { search: "CP" } },
    });
    assertEquals(twoTargets.status, 400);
    // What changes whom stations trust is for admins, as one command is.
    const trust = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: {
        action: "DeleteCertificate",
        payload: { certificateHashData: HASH },
        chargePointIds: ["CP-GOOD"],
      },
    });
    assertEquals([trust.status, trust.body.details.required], [403, "admin"]);
    // A secret never goes into a job (viewers read jobs and their events), not even an admin's.
    const secret = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "admin",
      body: {
        action: "ChangeConfiguration",
        payload: { key: "AuthorizationKey", value: "0123456789abcdef0123" },
        chargePointIds: ["CP-GOOD"],
      },
    });
    assertEquals([secret.status, secret.body.details.field], [400, "payload"]);
    assertEquals(JSON.stringify(secret.body).includes("0123456789abcdef0123"), false);
    const tooFast = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { ...body, concurrency: 5000 },
    });
    assertEquals(tooFast.status, 400);

    const created = await server.json("/api/v1/jobs", { method: "POST", as: "operator", body });
    assertEquals(created.status, 201);
    const job = await waitForJob(server, created.body.id);
    const outcome = Object.fromEntries(
      job.tasks.items.map((t: Json) => [t.chargePointId, [t.outcome, t.response]]),
    );
    assertEquals(outcome, {
      "CP-GOOD": ["accepted", { status: "Accepted" }],
      "CP-IMPOSTOR": ["refused", { reason: 'station "CP-IMPOSTOR" is not registered, not Accepted' }],
      "CP-NOBODY": ["refused", { reason: 'station "CP-NOBODY" is unknown' }],
      "CP-PENDING": ["refused", { reason: 'station "CP-PENDING" is Pending, not Accepted' }],
    });
    assertEquals(calls, ["CP-GOOD"]);
    assertEquals(impostor.received, [], "the impostor got a frame");

    // A site's stations, as load management keeps them.
    const site = await server.json("/api/v1/sites/depot", {
      method: "PUT",
      as: "operator",
      body: { name: "Depot", maxCurrentA: 63, chargePointIds: ["CP-GOOD", "CP-NOBODY"] },
    });
    assertEquals(site.status, 201, JSON.stringify(site.body));
    const bySite = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "ClearCache", siteId: "depot" },
    });
    assertEquals([bySite.status, bySite.body.total, bySite.body.target], [201, 2, {
      kind: "site",
      siteId: "depot",
    }]);
    const siteJob = await waitForJob(server, bySite.body.id);
    assertEquals(siteJob.tasks.items.map((t: Json) => [t.chargePointId, t.outcome]), [
      ["CP-GOOD", "accepted"],
      ["CP-NOBODY", "refused"],
    ]);
    const noSite = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "ClearCache", siteId: "nowhere" },
    });
    assertEquals(noSite.status, 404);

    // A filter only ever picks Accepted stations.
    const filtered = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "ClearCache", filter: { search: "CP-", online: true } },
    });
    assertEquals(filtered.status, 201);
    assertEquals(filtered.body.total, 1);
    assertEquals((await waitForJob(server, filtered.body.id)).tasks.items.map((t: Json) => t.chargePointId), [
      "CP-GOOD",
    ]);
  } finally {
    await closeStation(good);
    await closeStation(pending);
    await impostor.close();
    await server.close();
  }
});

/** A 50-station Reset with 5 stations offline, on the server `withApiServer` gives. */
async function fiftyStations(server: ApiTestServer) {
  const ids = Array.from({ length: 50 }, (_, i) => `CP-J${String(i).padStart(2, "0")}`);
  const offline = new Set(ids.slice(45));
  const stations = new Map<string, Station>();
  let inFlight = 0;
  let maxInFlight = 0;
  const resets = new Map<string, number>();
  const answerResets = (id: string, station: Station) =>
    station.handle("Reset", async ({ params }) => {
      assertEquals(params, { type: "Soft" });
      resets.set(id, (resets.get(id) ?? 0) + 1);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight--;
      return { status: "Accepted" };
    });
  try {
    for (const id of ids) {
      const station = await connectStation(server.wsUrl, id);
      answerResets(id, station);
      stations.set(id, station);
    }
    // Known and Accepted, but gone: their commands cannot be delivered.
    for (const id of offline) await closeStation(stations.get(id)!);
    await eventually(() => [...offline].every((id) => !server.registry.isConnected(id)), 5000, "offline");

    const stream = await server.api("/api/v1/events?types=job", { as: "viewer" });
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "Reset", payload: { type: "Soft" }, chargePointIds: ids, concurrency: 8 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    assertEquals([created.body.total, created.body.concurrency, created.body.state], [50, 8, "running"]);
    const jobId = created.body.id as string;
    // Until the job's end and every station's outcome are in (one station's may come just after the end).
    const reported = new Set<string>();
    let ended = false;
    const complete = (e: { data: Json }) => {
      if (e.data.job?.id !== jobId) return false;
      if (e.data.task?.state === "done") reported.add(e.data.chargePointId);
      if (e.data.job.state === "finished" && e.data.task === null) ended = true;
      return ended && reported.size === 50;
    };
    const events: { data: Json }[] = await readEvents(stream.body!, complete, 15_000);

    const job = await waitForJob(server, jobId);
    assertEquals(job.counts.outcomes, { accepted: 45, not_connected: 5 });
    assertEquals(job.tasks.items.length, 50);
    for (const task of job.tasks.items) {
      if (offline.has(task.chargePointId)) {
        assertEquals(
          [task.state, task.outcome, task.response],
          ["done", "not_connected", null],
          task.chargePointId,
        );
      } else {
        assertEquals([task.state, task.outcome, task.response], ["done", "accepted", { status: "Accepted" }]);
      }
    }
    assert(maxInFlight <= 8, `${maxInFlight} commands were in flight at once`);
    assert(maxInFlight >= 2, "the job ran one station at a time");
    assertEquals([...resets.values()].every((n) => n === 1), true);
    assertEquals(resets.size, 45);

    // The event stream showed each station's outcome as it came, then the end.
    const perStation = new Set(events.filter((e) => e.data.task).map((e) => e.data.chargePointId as string));
    assertEquals(perStation.size, 50);
    const end = events.find((e) => e.data.task === null && e.data.job.state === "finished");
    assertEquals(end?.data.counts, job.counts);

    // The command log of each station says which job sent it, and who made the job.
    const log = await server.json(`/api/v1/charge-points/CP-J00/commands`, { as: "viewer" });
    assertEquals(log.body.items[0].requestedBy, `job:${jobId} by token:operator tests`);
    assertEquals(log.body.items[0].outcome, "accepted");
    const missed = await server.json(`/api/v1/charge-points/CP-J47/commands`, { as: "viewer" });
    assertEquals(missed.body.items[0].outcome, "not_connected");

    // Two of the five come back; a retry sends again only the failed ones.
    for (const id of ["CP-J45", "CP-J46"]) {
      const station = await connectStation(server.wsUrl, id);
      answerResets(id, station);
      stations.set(id, station);
    }
    const retried = await server.json(`/api/v1/jobs/${encodeURIComponent(jobId)}/retry`, {
      method: "POST",
      as: "operator",
    });
    assertEquals(retried.body, { retried: 5 });
    const again = await waitForJob(server, jobId);
    assertEquals(again.counts.outcomes, { accepted: 47, not_connected: 3 });
    assertEquals(resets.size, 47);
    assertEquals(
      [...resets.values()].every((n) => n === 1),
      true,
      "an accepted station got the command twice",
    );
    const listed = await server.json("/api/v1/jobs", { as: "viewer" });
    assertEquals(listed.body.items[0].id, jobId);
  } finally {
    for (const station of stations.values()) await closeStation(station).catch(() => {});
  }
}
