/**
 * A job's failed commands can be sent again (`POST /jobs/{id}/retry`), by any operator: an expiring token that
 * may not make a job leaving a credential behind (here a local list entry with no expiry) retried one a lasting
 * admin made, and the stations that missed it were sent it on the token's word. Now the retry is judged as if
 * the token made the job: 403 naming the rule, nothing queued again; a lasting token's retry goes.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring operator token cannot retry a job that leaves a local list entry usable after it", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  try {
    // Known and Accepted, then gone: the job's command finds it not connected.
    await closeStation(await connectStation(server.wsUrl, "AWAY-1"));
    await eventually(
      async () => (await server.json("/api/v1/charge-points/AWAY-1")).body.online === false,
      5000,
      "AWAY-1 offline",
    );
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      body: {
        action: "SendLocalList",
        payload: {
          listVersion: 5,
          updateType: "Differential",
          localAuthorizationList: [{ idTag: "STAFF-1", idTagInfo: { status: "Accepted" } }],
        },
        chargePointIds: ["AWAY-1"],
      },
    });
    assertEquals(job.status, 201, JSON.stringify(job.body));
    const id = job.body.id as string;
    await eventually(
      async () => (await server.json(`/api/v1/jobs/${id}`)).body.counts.outcomes.not_connected === 1,
      8000,
      "the command not sent: not connected",
    );

    const hour = await expiringToken(server, "operator");
    const retried = await hour.call("POST", `/jobs/${id}/retry`, {});
    assertEquals(retried.status, 403, JSON.stringify(retried.body));
    assertEquals(retried.body.error, "forbidden");
    assertEquals(retried.body.details.rule, "expiring_token_outliving_grant");
    assertEquals(
      (await server.json(`/api/v1/jobs/${id}`)).body.counts.outcomes.not_connected,
      1,
      "not queued",
    );

    const lasting = await server.json(`/api/v1/jobs/${id}/retry`, {
      method: "POST",
      as: "operator",
      body: {},
    });
    assertEquals([lasting.status, lasting.body], [200, { retried: 1 }]);
  } finally {
    await server.close();
  }
});
