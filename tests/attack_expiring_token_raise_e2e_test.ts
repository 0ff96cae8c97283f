/**
 * MaxEnergyOnInvalidId (OCPP 1.6 §9.1, 2.0.1 TxCtrlr) is the energy a card the server answers Invalid may still
 * draw, AuthCacheCtrlr.LifeTime (2.0.1) how long the station takes a cached card without asking: raised, they
 * widen who may charge, and the station keeps them after the API token that sent them. An expiring token tries
 * to raise them on a strict ocpp-rpc station: before the server knows the station's value (403, nothing sent),
 * above the value the station reported (403), in a job (403); lowering goes through, and raising back to where
 * it was is then refused too. A session may raise them.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring operator token cannot raise MaxEnergyOnInvalidId above the 1.6 station's known value", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "RAISE-16");
  const config = new Map([["MaxEnergyOnInvalidId", "1000"], ["HeartbeatInterval", "300"]]);
  const changes: string[] = [];
  station.handle("GetConfiguration", () => ({
    configurationKey: [...config].map(([key, value]) => ({ key, readonly: false, value })),
  }));
  station.handle("ChangeConfiguration", ({ params }) => {
    changes.push(`${params.key}=${params.value}`);
    config.set(params.key, params.value);
    return { status: "Accepted" };
  });
  try {
    const hour = await expiringToken(server, "operator");
    const change = (value: string, key = "MaxEnergyOnInvalidId") =>
      hour.call("POST", "/charge-points/RAISE-16/ChangeConfiguration", { key, value });

    const unread = await change("500");
    assertEquals(unread.status, 403, JSON.stringify(unread.body));
    assertEquals(unread.body.error, "forbidden");
    assertEquals(unread.body.details.rule, "expiring_token_raise");
    assertEquals(unread.body.details.current, null, "no GetConfiguration answer yet");

    assertEquals((await hour.call("POST", "/charge-points/RAISE-16/GetConfiguration", {})).status, 200);
    const raised = await change("5000");
    assertEquals(raised.status, 403, JSON.stringify(raised.body));
    assertEquals(raised.body.details.rule, "expiring_token_raise");
    assertEquals(raised.body.details.current, "1000");
    // In another spelling of the key, or not a number: refused as well.
    assertEquals((await change("5000", "maxenergyoninvalidid")).status, 403);
    assertEquals((await change("1e9")).status, 403);
    const job = await hour.call("POST", "/jobs", {
      action: "ChangeConfiguration",
      payload: { key: "MaxEnergyOnInvalidId", value: "10" },
      chargePointIds: ["RAISE-16"],
    });
    assertEquals(job.status, 403, JSON.stringify(job.body));
    assertEquals(job.body.details.rule, "expiring_token_raise");
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);
    assertEquals(changes, [], "the station was sent none of them");

    assertEquals((await change("1000")).status, 200, "its own value again");
    assertEquals((await change("200")).status, 200, "lowered");
    const back = await change("1000");
    assertEquals(back.status, 403, "raising back is a raise of the stored 200");
    assertEquals(back.body.details.current, "200");
    assertEquals((await change("30", "HeartbeatInterval")).status, 200, "other keys are not judged");

    const bySession = await server.json("/api/v1/charge-points/RAISE-16/ChangeConfiguration", {
      method: "POST",
      as: "operator",
      body: { key: "MaxEnergyOnInvalidId", value: "5000" },
    });
    assertEquals(bySession.status, 200, "a token that does not expire may");
    assertEquals(changes, [
      "MaxEnergyOnInvalidId=1000",
      "MaxEnergyOnInvalidId=200",
      "HeartbeatInterval=30",
      "MaxEnergyOnInvalidId=5000",
    ]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

type Data = {
  component: { name: string };
  variable: { name: string };
  attributeValue?: string;
};

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: an expiring operator token cannot raise AuthCacheCtrlr.LifeTime above the 2.0.1 station's reported value`, async () => {
    await withApiServer(
      kind,
      async (server) => {
        const station = await connectStation201(server.wsUrl, "RAISE-201");
        const sets: string[] = [];
        station.handle("SetVariables", ({ params }) => ({
          setVariableResult: params.setVariableData.map((d: Data) => {
            sets.push(`${d.component.name}.${d.variable.name}=${d.attributeValue}`);
            return { attributeStatus: "Accepted", component: d.component, variable: d.variable };
          }),
        }));
        try {
          const hour = await expiringToken(server, "operator");
          const set = (component: string, variable: string, value: string) =>
            hour.call("POST", "/charge-points/RAISE-201/SetVariables", {
              setVariableData: [{
                attributeValue: value,
                component: { name: component },
                variable: { name: variable },
              }],
            });
          const unreported = await set("AuthCacheCtrlr", "LifeTime", "60");
          assertEquals(unreported.status, 403, JSON.stringify(unreported.body));
          assertEquals(unreported.body.details.rule, "expiring_token_raise");

          await station.call("NotifyReport", {
            requestId: 1,
            generatedAt: "2026-12-01T10:00:00Z",
            seqNo: 0,
            reportData: [
              {
                component: { name: "AuthCacheCtrlr" },
                variable: { name: "LifeTime" },
                variableAttribute: [{ type: "Actual", value: "3600", mutability: "ReadWrite" }],
              },
              {
                component: { name: "TxCtrlr" },
                variable: { name: "MaxEnergyOnInvalidId" },
                variableAttribute: [{ type: "Actual", value: "0", mutability: "ReadWrite" }],
              },
            ],
          });
          const raised = await set("AuthCacheCtrlr", "LifeTime", "86400");
          assertEquals(raised.status, 403, JSON.stringify(raised.body));
          assertEquals(raised.body.details.current, "3600");
          assertEquals((await set("TxCtrlr", "MaxEnergyOnInvalidId", "1")).status, 403);
          assertEquals(sets, [], "the station was sent none of them");

          assertEquals((await set("AuthCacheCtrlr", "LifeTime", "600")).status, 200, "lowered");
          assertEquals(
            (await set("AuthCacheCtrlr", "LifeTime", "3600")).status,
            403,
            "the stored value is 600",
          );
          assertEquals((await set("TxCtrlr", "MaxEnergyOnInvalidId", "0")).status, 200, "its own value");
          assertEquals(sets, ["AuthCacheCtrlr.LifeTime=600", "TxCtrlr.MaxEnergyOnInvalidId=0"]);
        } finally {
          await closeStation(station);
        }
      },
      {},
      {},
      "policy47_raise",
    );
  });
}
