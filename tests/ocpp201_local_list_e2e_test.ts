/**
 * The managed local list works for OCPP 2.0.1 stations too: a strict ocpp-rpc station speaking `ocpp2.0.1`
 * is asked its version (GetLocalListVersion), its limits (GetVariables on LocalAuthListCtrlr) and gets the
 * list as 2.0.1 SendLocalList messages of idTokens, Full then Differential.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("the managed local list reaches a 2.0.1 station as idTokens, Full then Differential", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  for (const idTag of ["CARD-A", "CARD-B", "CARD-C"]) {
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag, localList: true } })).status,
      201,
    );
  }
  const station = await connectStation201(server.wsUrl, "CP-LL201", { boot: false });
  let version = 0;
  const lists: Json[] = [];
  const asked: Json[] = [];
  station.handle("GetLocalListVersion", () => ({ versionNumber: version }));
  station.handle("GetVariables", ({ params }) => {
    asked.push(params);
    return {
      getVariableResult: params.getVariableData.map((d: Json) => ({
        attributeStatus: "Accepted",
        attributeType: d.attributeType,
        attributeValue: d.variable.name === "ItemsPerMessage" ? "2" : "100",
        component: d.component,
        variable: d.variable,
      })),
    };
  });
  station.handle("SendLocalList", ({ params }) => {
    lists.push(params);
    version = params.versionNumber;
    return { status: "Accepted" };
  });
  try {
    await station.call("BootNotification", {
      reason: "PowerUp",
      chargingStation: { vendorName: "Acme", model: "Volt-2" },
    });
    const synced = async () =>
      await eventually(
        async () => {
          const { body } = await server.json("/api/v1/local-list", { as: "viewer" });
          const record = body.stations.find((s: Json) => s.chargePointId === "CP-LL201");
          return record?.status === "synced" && record.version === body.version ? record : null;
        },
        8000,
        "CP-LL201 synced",
      );
    await synced();
    // Three tags, two per message (ItemsPerMessage): a Full list of two, then a Differential with the third.
    assertEquals(lists.map((l) => [l.updateType, l.localAuthorizationList.length]), [
      ["Full", 2],
      ["Differential", 1],
    ]);
    assertEquals(lists[0].localAuthorizationList[0].idToken, { idToken: "CARD-A", type: "ISO14443" });
    assertEquals(lists[0].localAuthorizationList[0].idTokenInfo.status, "Accepted");
    assertEquals(asked[0].getVariableData.map((d: Json) => d.variable.name).sort(), [
      "Entries",
      "ItemsPerMessage",
    ]);
    // A tag blocked: a Differential with that one idToken.
    const blocked = await server.json("/api/v1/id-tags/CARD-B", {
      method: "PATCH",
      body: { status: "Blocked" },
    });
    assertEquals(blocked.status, 200);
    await eventually(() => lists.length === 3, 8000, "a Differential");
    assertEquals(lists[2].updateType, "Differential");
    assertEquals(
      lists[2].localAuthorizationList.map((e: Json) => [e.idToken.idToken, e.idTokenInfo.status]),
      [["CARD-B", "Blocked"]],
    );
    await synced();
  } finally {
    await closeStation(station);
    await server.close();
  }
});
