/**
 * AllowOfflineTxForUnknownId = true (OCPP 1.6 §9.1) lets any card charge while the station is offline, and the
 * station keeps the setting: whom it lets charge stays widened after the token that sent it. An API token that
 * expires could send it (a command or a job); now that answers 403 with a JSON body and nothing is sent.
 * Setting it false (tightening) still goes.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring operator token cannot let unknown cards charge offline; it may stop that", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/FREE-1`);
  try {
    const { call: callAsHour } = await expiringToken(server, "operator");
    const asHour = (path: string, body: unknown) => callAsHour("POST", path, body);
    const open = { key: "AllowOfflineTxForUnknownId", value: "TRUE" };
    const sent = await asHour("/charge-points/FREE-1/ChangeConfiguration", open);
    assertEquals(sent.status, 403, JSON.stringify(sent.body));
    assertEquals(sent.body.error, "forbidden");
    const job = await asHour("/jobs", {
      action: "ChangeConfiguration",
      payload: open,
      chargePointIds: ["FREE-1"],
    });
    assertEquals(job.status, 403, JSON.stringify(job.body));
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);

    const closing = { key: "AllowOfflineTxForUnknownId", value: "false" };
    const answered = asHour("/charge-points/FREE-1/ChangeConfiguration", closing);
    const call = await station.next() as unknown[];
    assertEquals([call[0], call[2], call[3]], [2, "ChangeConfiguration", closing]);
    station.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    assertEquals((await answered).status, 200);
  } finally {
    await station.close();
    await server.close();
  }
});
