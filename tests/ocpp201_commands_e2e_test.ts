/**
 * Every OCPP 2.0.1 command through the operator API to a station speaking `ocpp2.0.1` with npm `ocpp-rpc`
 * in strict mode: the station validates each request against the official 2.0.1 schema, we validate its
 * answer against ours, and the command log keeps both. SetVariables and GetVariables, the provisioning pair,
 * are checked value by value.
 */
import { changesStationTrust } from "../security/trust_commands.ts";
import { assertEquals } from "@std/assert";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { COMMAND_SAMPLES_201 } from "./helpers/command_samples_201.ts";
import { startApiServer } from "./helpers/api.ts";
import { CS_TO_CP_ACTIONS } from "../protocol/ocpp201/mod.ts";

Deno.test("every OCPP 2.0.1 command goes through the API to a strict 2.0.1 station and back", async () => {
  const server = await startApiServer();
  // RequestStartTransaction is refused for a token this server would not accept: TAG-1 is a known card.
  await server.store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
  const station = await connectStation201(server.wsUrl, "CP-CMD201");
  const received: Record<string, unknown> = {};
  try {
    assertEquals(Object.keys(COMMAND_SAMPLES_201).sort(), [...CS_TO_CP_ACTIONS].sort());
    for (const [action, sample] of Object.entries(COMMAND_SAMPLES_201)) {
      station.handle(action, ({ params }) => {
        received[action] = params;
        return sample.answer;
      });
    }
    for (const [action, sample] of Object.entries(COMMAND_SAMPLES_201)) {
      const res = await server.json(
        `/api/v1/charge-points/CP-CMD201/${action}${sample.forced ? "?force=true" : ""}`,
        {
          method: "POST",
          body: sample.request,
          // Those that change whom the station trusts are an admin's.
          as: changesStationTrust(action, sample.request) ? "admin" : "operator",
        },
      );
      assertEquals(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body, sample.expected ?? sample.answer, action);
      assertEquals(received[action], sample.request, action);
    }
    const log =
      (await server.json("/api/v1/charge-points/CP-CMD201/commands?limit=100", { as: "viewer" })).body
        .items;
    assertEquals(log.length, CS_TO_CP_ACTIONS.length);
    // What the answers teach the snapshot, as for 1.6.
    const record = await server.store.getChargePoint("CP-CMD201");
    assertEquals(record?.localListVersion, 6);
    assertEquals(record?.reservations?.map((r) => [r.reservationId, r.idTag]), [[9, "TAG-1"]]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("SetVariables then GetVariables: the station's device model changes as the operator asked", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-VARS");
  const values = new Map<string, string>([["OCPPCommCtrlr.HeartbeatInterval", "300"]]);
  type Data = { component: { name: string }; variable: { name: string }; attributeValue?: string };
  station.handle("SetVariables", ({ params }) => ({
    setVariableResult: params.setVariableData.map((d: Data) => {
      const key = `${d.component.name}.${d.variable.name}`;
      const known = values.has(key);
      if (known) values.set(key, d.attributeValue!);
      return {
        attributeStatus: known ? "Accepted" : "UnknownVariable",
        component: d.component,
        variable: d.variable,
      };
    }),
  }));
  station.handle("GetVariables", ({ params }) => ({
    getVariableResult: params.getVariableData.map((d: Data) => {
      const value = values.get(`${d.component.name}.${d.variable.name}`);
      return {
        attributeStatus: value === undefined ? "UnknownVariable" : "Accepted",
        component: d.component,
        variable: d.variable,
        ...(value === undefined ? {} : { attributeValue: value }),
      };
    }),
  }));
  try {
    const set = await server.json("/api/v1/charge-points/CP-VARS/SetVariables", {
      method: "POST",
      body: {
        setVariableData: [
          {
            attributeValue: "60",
            component: { name: "OCPPCommCtrlr" },
            variable: { name: "HeartbeatInterval" },
          },
          { attributeValue: "1", component: { name: "Nope" }, variable: { name: "Nothing" } },
        ],
      },
      as: "operator",
    });
    assertEquals(set.status, 200);
    assertEquals(
      set.body.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus),
      ["Accepted", "UnknownVariable"],
    );
    const get = await server.json("/api/v1/charge-points/CP-VARS/GetVariables", {
      method: "POST",
      body: {
        getVariableData: [{ component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } }],
      },
      as: "operator",
    });
    assertEquals(get.body.getVariableResult[0].attributeValue, "60");
    // An empty setVariableData is refused by the 2.0.1 schema before anything is sent.
    const empty = await server.json("/api/v1/charge-points/CP-VARS/SetVariables", {
      method: "POST",
      body: { setVariableData: [] },
      as: "operator",
    });
    assertEquals([empty.status, empty.body.details.field], [400, "setVariableData"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a 1.6-shaped command for a 2.0.1 station is refused before it is sent, and logged", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-SHAPE");
  let calls = 0;
  station.handle("SendLocalList", () => (calls++, { status: "Accepted" }));
  try {
    // What a fleet feature written for 1.6 would send (the API itself checks the station's dialect first).
    const error = await server.registry.send("CP-SHAPE", "SendLocalList", {
      listVersion: 3,
      updateType: "Full",
    })
      .catch((e: Error) => e);
    assertEquals((error as Error).name, "CommandRefusedError");
    assertEquals(calls, 0);
    const log = (await server.json("/api/v1/charge-points/CP-SHAPE/commands", { as: "viewer" })).body.items;
    assertEquals(log[0].action, "SendLocalList");
    assertEquals(log[0].outcome, "refused");
  } finally {
    await closeStation(station);
    await server.close();
  }
});
