/**
 * OCPP 2.0.1 AuthCtrlr.MasterPassGroupId names a group whose cards may stop any session at the station (C16),
 * and the station keeps it. An expiring operator token names a lasting group (a command, a job): each answers
 * 403 naming the rule and the strict 2.0.1 station is sent nothing; clearing the setting still goes.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

type Data = { component: { name: string }; variable: { name: string }; attributeValue: string };

Deno.test("an expiring operator token cannot name a 2.0.1 station's master pass group; it may clear it", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "MASTER-1");
  const sets: string[] = [];
  station.handle("SetVariables", ({ params }) => ({
    setVariableResult: params.setVariableData.map((d: Data) => {
      sets.push(`${d.component.name}.${d.variable.name}=${d.attributeValue}`);
      return { attributeStatus: "Accepted", component: d.component, variable: d.variable };
    }),
  }));
  try {
    const hour = await expiringToken(server, "operator");
    const master = (attributeValue: string) => ({
      setVariableData: [{
        attributeValue,
        component: { name: "AuthCtrlr" },
        variable: { name: "MasterPassGroupId" },
      }],
    });
    const sent = await hour.call("POST", "/charge-points/MASTER-1/SetVariables", master("TEAM-FOREVER"));
    assertEquals(sent.status, 403, JSON.stringify(sent.body));
    assertEquals(sent.body.details.rule, "expiring_token_master_pass");
    const job = await hour.call("POST", "/jobs", {
      action: "SetVariables",
      payload: master("TEAM-FOREVER"),
      chargePointIds: ["MASTER-1"],
    });
    assertEquals(job.status, 403, JSON.stringify(job.body));
    assertEquals(sets, []);

    assertEquals((await hour.call("POST", "/charge-points/MASTER-1/SetVariables", master(""))).status, 200);
    assertEquals(sets, ["AuthCtrlr.MasterPassGroupId="]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
