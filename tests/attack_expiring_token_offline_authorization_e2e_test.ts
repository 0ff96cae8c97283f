/**
 * Settings that let a station decide on its own who may charge, from its local list or authorization cache
 * (copies that may be stale: a card the server has blocked since), or that let a card the server answers
 * Invalid go on charging, widen who may charge, and the station keeps them after the token that sent them.
 * An API token that expires could send them (a command or a job); now that answers 403 with a JSON body and
 * nothing is sent. The tightening values still go, and so does AuthorizeRemoteTxRequests /
 * AuthCtrlr.AuthorizeRemoteStart false: a remote start is ordered by the server itself, which checks its id tag
 * (`actors/commands/remote_start_transaction.ts`), so it lets no card charge that the server would not.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

/** An operator's token that expires: POST below /api/v1 with it. */
async function expiringOperator(server: Awaited<ReturnType<typeof startApiServer>>) {
  const { call } = await expiringToken(server, "operator");
  return (path: string, body: unknown) => call("POST", path, body);
}

Deno.test("an expiring operator token cannot send a 1.6 setting that widens who may charge; it may narrow it", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/OFFLINE-16`);
  try {
    const asHour = await expiringOperator(server);
    const widening = [
      { key: "LocalAuthorizeOffline", value: "true" },
      { key: "LocalPreAuthorize", value: "True" },
      { key: "AuthorizationCacheEnabled", value: "true" },
      { key: "LocalAuthListEnabled", value: "true" },
      { key: "StopTransactionOnInvalidId", value: "false" },
    ];
    for (const change of widening) {
      const sent = await asHour("/charge-points/OFFLINE-16/ChangeConfiguration", change);
      assertEquals(sent.status, 403, `${JSON.stringify(change)}: ${JSON.stringify(sent.body)}`);
      assertEquals(sent.body.error, "forbidden");
      const job = await asHour("/jobs", {
        action: "ChangeConfiguration",
        payload: change,
        chargePointIds: ["OFFLINE-16"],
      });
      assertEquals(job.status, 403, `job ${JSON.stringify(change)}: ${JSON.stringify(job.body)}`);
    }
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);

    // Nothing went out: the first CALL the station sees is the first allowed one.
    for (
      const change of [
        { key: "LocalAuthorizeOffline", value: "false" },
        { key: "LocalPreAuthorize", value: "false" },
        { key: "AuthorizationCacheEnabled", value: "false" },
        { key: "LocalAuthListEnabled", value: "false" },
        { key: "StopTransactionOnInvalidId", value: "true" },
        { key: "AuthorizeRemoteTxRequests", value: "false" },
      ]
    ) {
      const answered = asHour("/charge-points/OFFLINE-16/ChangeConfiguration", change);
      const call = await station.next() as unknown[];
      assertEquals([call[0], call[2], call[3]], [2, "ChangeConfiguration", change]);
      station.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
      assertEquals((await answered).status, 200, JSON.stringify(change));
    }

    // A token that never expires keeps the right.
    const lasting = server.json("/api/v1/charge-points/OFFLINE-16/ChangeConfiguration", {
      method: "POST",
      body: widening[0],
      as: "operator",
    });
    const call = await station.next() as unknown[];
    assertEquals([call[2], call[3]], ["ChangeConfiguration", widening[0]]);
    station.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    assertEquals((await lasting).status, 200);
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("an expiring operator token cannot send a 2.0.1 variable that widens who may charge; it may narrow it", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "OFFLINE-201");
  type Data = { component: { name: string }; variable: { name: string }; attributeValue: string };
  const received: string[] = [];
  station.handle("SetVariables", ({ params }) => ({
    setVariableResult: params.setVariableData.map((d: Data) => {
      received.push(`${d.component.name}.${d.variable.name}=${d.attributeValue}`);
      return { attributeStatus: "Accepted", component: d.component, variable: d.variable };
    }),
  }));
  const set = (component: string, variable: string, attributeValue: string) => ({
    setVariableData: [{ component: { name: component }, variable: { name: variable }, attributeValue }],
  });
  try {
    const asHour = await expiringOperator(server);
    for (
      const change of [
        set("AuthCtrlr", "LocalAuthorizeOffline", "true"),
        set("AuthCtrlr", "LocalPreAuthorize", "true"),
        set("AuthCtrlr", "DisableRemoteAuthorization", "true"),
        set("AuthCacheCtrlr", "Enabled", "true"),
        set("LocalAuthListCtrlr", "Enabled", "true"),
        set("TxCtrlr", "StopTxOnInvalidId", "false"),
      ]
    ) {
      const sent = await asHour("/charge-points/OFFLINE-201/SetVariables", change);
      assertEquals(sent.status, 403, `${JSON.stringify(change)}: ${JSON.stringify(sent.body)}`);
      assertEquals(sent.body.error, "forbidden");
      const job = await asHour("/jobs", {
        action: "SetVariables",
        payload: change,
        chargePointIds: ["OFFLINE-201"],
      });
      assertEquals(job.status, 403, `job ${JSON.stringify(change)}: ${JSON.stringify(job.body)}`);
    }
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);
    assertEquals(received, []);

    for (
      const change of [
        set("AuthCtrlr", "LocalAuthorizeOffline", "false"),
        set("AuthCtrlr", "DisableRemoteAuthorization", "false"),
        set("AuthCacheCtrlr", "Enabled", "false"),
        set("TxCtrlr", "StopTxOnInvalidId", "true"),
        set("AuthCtrlr", "AuthorizeRemoteStart", "false"),
      ]
    ) {
      const sent = await asHour("/charge-points/OFFLINE-201/SetVariables", change);
      assertEquals(sent.status, 200, `${JSON.stringify(change)}: ${JSON.stringify(sent.body)}`);
    }
    assertEquals(received, [
      "AuthCtrlr.LocalAuthorizeOffline=false",
      "AuthCtrlr.DisableRemoteAuthorization=false",
      "AuthCacheCtrlr.Enabled=false",
      "TxCtrlr.StopTxOnInvalidId=true",
      "AuthCtrlr.AuthorizeRemoteStart=false",
    ]);
  } finally {
    await station.close({ code: 1000, force: true, awaitPending: false });
    await server.close();
  }
});
