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

Deno.test("a job of SendLocalList or ReserveNow in 2.0.1's own shape reaches a 2.0.1 station as it is", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const station = await connectStation201(server.wsUrl, "SHAPE-201");
  const got: Json[] = [];
  station.handle("SendLocalList", ({ params }) => (got.push(params), { status: "Accepted" }));
  station.handle("ReserveNow", ({ params }) => (got.push(params), { status: "Accepted" }));
  const runJob = async (action: string, payload: Json) => {
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action, payload, chargePointIds: ["SHAPE-201"] },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    return await eventually(
      async () => {
        const { body } = await server.json(`/api/v1/jobs/${created.body.id}`, { as: "viewer" });
        return body.state === "finished" ? body.tasks.items.map((t: Json) => [t.outcome, t.response]) : null;
      },
      15_000,
      `the ${action} job finished`,
    );
  };
  try {
    const list = {
      versionNumber: 60,
      updateType: "Full",
      localAuthorizationList: [{ idToken: { idToken: "TAG-201", type: "ISO14443" } }],
    };
    assertEquals(await runJob("SendLocalList", list), [["accepted", { status: "Accepted" }]]);
    const reserve = {
      id: 7,
      expiryDateTime: "2030-01-01T00:00:00Z",
      idToken: { idToken: "T", type: "Central" },
    };
    assertEquals(await runJob("ReserveNow", reserve), [["accepted", { status: "Accepted" }]]);
    assertEquals(got, [list, reserve]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});
