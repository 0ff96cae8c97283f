/**
 * A job over a mixed fleet: an OCPP 2.0.1 command reaches the 2.0.1 stations (strict ocpp-rpc, checking it
 * against the official schema) and is refused, per station, by the 1.6 ones; a command both dialects have
 * goes to each station that takes its payload.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a job of a 2.0.1 command over a mixed fleet: sent to the 2.0.1 stations, refused by the 1.6 one", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const a = await connectStation201(server.wsUrl, "MIX-A");
  const b = await connectStation201(server.wsUrl, "MIX-B");
  const old = await connectStation(server.wsUrl, "MIX-C");
  const asked: string[] = [];
  for (const [id, station] of [["MIX-A", a], ["MIX-B", b]] as const) {
    station.handle("SetVariables", ({ params }) => {
      asked.push(id);
      return {
        setVariableResult: params.setVariableData.map((d: Json) => ({
          attributeStatus: "Accepted",
          component: d.component,
          variable: d.variable,
        })),
      };
    });
  }
  try {
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: {
        action: "SetVariables",
        payload: {
          setVariableData: [{
            attributeValue: "120",
            component: { name: "OCPPCommCtrlr" },
            variable: { name: "HeartbeatInterval" },
          }],
        },
        chargePointIds: ["MIX-A", "MIX-B", "MIX-C"],
      },
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
    assertEquals(job.tasks.items.map((t: Json) => [t.chargePointId, t.outcome]), [
      ["MIX-A", "accepted"],
      ["MIX-B", "accepted"],
      ["MIX-C", "refused"],
    ]);
    assertEquals(asked.sort(), ["MIX-A", "MIX-B"]);
    // A payload neither dialect takes is refused when the job is created.
    const bad = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "SetVariables", payload: { setVariableData: [] }, chargePointIds: ["MIX-A"] },
    });
    assertEquals([bad.status, bad.body.details.field], [400, "payload.setVariableData"]);
  } finally {
    await closeStation(a);
    await closeStation(b);
    await closeStation(old);
    await server.close();
  }
});
