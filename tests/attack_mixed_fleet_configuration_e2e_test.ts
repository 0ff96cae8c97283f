/**
 * A job of GetConfiguration over a mixed fleet: a 2.0.1 station is asked the keys that have a place in its
 * device model (GetVariables) and the others are its unknownKey. The places were looked up in a plain object,
 * so a key named like one of Object.prototype's members ("constructor", "toString", "__proto__") found a
 * place with no component: the GetVariables built for it had no names and was refused, and the task ended
 * `invalid` instead of answering the key unknown. Strict ocpp-rpc station, real job.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a GetConfiguration job names keys like Object's members: a 2.0.1 station answers them unknown", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const station = await connectStation201(server.wsUrl, "MIX-CFG-1");
  const asked: Json[] = [];
  station.handle("GetVariables", ({ params }) => {
    asked.push(params);
    return {
      getVariableResult: params.getVariableData.map((d: Json) => ({
        attributeStatus: "Accepted",
        attributeType: d.attributeType,
        attributeValue: "24",
        component: d.component,
        variable: d.variable,
      })),
    };
  });
  try {
    const keys = ["constructor", "SendLocalListMaxLength", "toString", "__proto__", "hasOwnProperty"];
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "GetConfiguration", payload: { key: keys }, chargePointIds: ["MIX-CFG-1"] },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const job = await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/jobs/${created.body.id}`, { as: "viewer" });
        return body.state === "finished" ? body : null;
      },
      15_000,
      "the job finished",
    );
    const [task] = job.tasks.items;
    assertEquals(task.outcome, "accepted", JSON.stringify(task));
    assertEquals(task.response, {
      configurationKey: [{ key: "SendLocalListMaxLength", readonly: true, value: "24" }],
      unknownKey: ["constructor", "toString", "__proto__", "hasOwnProperty"],
    });
    assertEquals(asked.map((p) => p.getVariableData.length), [1]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
