/**
 * A job's retry sends its command again, to the stations asked (`outcomes`, accepted ones too): the same
 * command that creating the job would send. Retrying is an operator's right, but what the command does is
 * checked as at the job's creation: one that changes whom stations trust needs an admin, and one that would
 * outlive an API token that expires (a setting that lets unknown cards charge, a local list entry usable after
 * it) is refused to such a token. Before, `POST /jobs/{id}/retry` checked neither: an operator re-sent an
 * admin's trust change, an expiring token an admin's widening setting, both to every station that took it.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";
import { eventually } from "./helpers/server.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("a job's retry is refused to whom its command would be refused at the job's creation", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/RETRY-1`);
  /** The admin's job, answered Accepted by the station: its id. */
  const acceptedJob = async (payload: { key: string; value: string }) => {
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "admin",
      body: { action: "ChangeConfiguration", payload, chargePointIds: ["RETRY-1"] },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    await answer(station, payload);
    await eventually(
      async () =>
        (await server.json(`/api/v1/jobs/${created.body.id}`, { as: "viewer" })).body.state === "finished",
      15_000,
      "the job finished",
    );
    return created.body.id as string;
  };
  try {
    const widening = await acceptedJob({ key: "AllowOfflineTxForUnknownId", value: "true" });
    const trust = await acceptedJob({ key: "AdditionalRootCertificateCheck", value: "false" });
    const { call: asHour } = await expiringToken(server, "admin");

    const byHour = await asHour("POST", `/jobs/${widening}/retry`, { outcomes: ["accepted"] });
    assertEquals(byHour.status, 403, JSON.stringify(byHour.body));
    assertEquals(byHour.body.error, "forbidden");
    const byOperator = await server.json(`/api/v1/jobs/${trust}/retry`, {
      method: "POST",
      as: "operator",
      body: { outcomes: ["accepted"] },
    });
    assertEquals(byOperator.status, 403, JSON.stringify(byOperator.body));
    assertEquals(byOperator.body.details.required, "admin");
    for (const id of [widening, trust]) {
      const { body } = await server.json(`/api/v1/jobs/${id}`, { as: "viewer" });
      assertEquals([body.state, body.counts.pending, body.counts.outcomes], ["finished", 0, { accepted: 1 }]);
    }

    // Whom the command is not refused to retries it: an admin, sent again and answered.
    const retried = await server.json(`/api/v1/jobs/${trust}/retry`, {
      method: "POST",
      as: "admin",
      body: { outcomes: ["accepted"] },
    });
    assertEquals([retried.status, retried.body], [200, { retried: 1 }]);
    await answer(station, { key: "AdditionalRootCertificateCheck", value: "false" });
  } finally {
    await station.close();
    await server.close();
  }
});

/** Reads the station's next CALL, which must be this ChangeConfiguration, and answers it Accepted. */
async function answer(station: RawSocket, payload: unknown): Promise<void> {
  const call = await station.next() as unknown[];
  assertEquals([call[0], call[2], call[3]], [2, "ChangeConfiguration", payload]);
  station.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
}
