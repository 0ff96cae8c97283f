/**
 * The managed local list works for OCPP 2.0.1 stations too: a strict ocpp-rpc station speaking `ocpp2.0.1`
 * is asked its version (GetLocalListVersion), its limits (GetVariables on LocalAuthListCtrlr) and gets the
 * list as 2.0.1 SendLocalList messages of idTokens, Full then Differential; an id tag's own idToken type
 * (`idTokenType`) is what the station gets and what its Authorize must match.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/**
 * The station keeps the list it is sent (its version is the last one) and reports its limits: ItemsPerMessage
 * as given, Entries 100; what it was sent and asked goes in `lists` and `asked`.
 */
function actAsListHolder(station: Station, lists: Json[], asked: Json[], itemsPerMessage: string): void {
  let version = 0;
  station.handle("GetLocalListVersion", () => ({ versionNumber: version }));
  station.handle("GetVariables", ({ params }) => {
    asked.push(params);
    return {
      getVariableResult: params.getVariableData.map((d: Json) => ({
        attributeStatus: "Accepted",
        attributeType: d.attributeType,
        attributeValue: d.variable.name === "ItemsPerMessage" ? itemsPerMessage : "100",
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
}

Deno.test("the managed local list reaches a 2.0.1 station as idTokens, Full then Differential", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  for (const idTag of ["CARD-A", "CARD-B", "CARD-C"]) {
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag, localList: true } })).status,
      201,
    );
  }
  const station = await connectStation201(server.wsUrl, "CP-LL201", { boot: false });
  const lists: Json[] = [];
  const asked: Json[] = [];
  actAsListHolder(station, lists, asked, "2");
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

Deno.test("an id tag's idTokenType is sent to a 2.0.1 station and required of its Authorize", async () => {
  const server = await startApiServer({ FLEET_POLL_MS: "50" });
  const create = async (body: Json) =>
    (await server.json("/api/v1/id-tags", { method: "POST", body: { ...body, localList: true } })).status;
  assertEquals(await create({ idTag: "KEY-1", idTokenType: "ISO15693" }), 201);
  assertEquals(await create({ idTag: "ANY-1" }), 201);
  assertEquals(await create({ idTag: "BAD-1", idTokenType: "NoAuthorization" }), 400);
  const station = await connectStation201(server.wsUrl, "CP-LLT201", { boot: false });
  const lists: Json[] = [];
  actAsListHolder(station, lists, [], "100");
  const authorize = async (idToken: string, type: string) =>
    (await station.call("Authorize", { idToken: { idToken, type } }) as Json).idTokenInfo.status;
  try {
    await station.call("BootNotification", {
      reason: "PowerUp",
      chargingStation: { vendorName: "Acme", model: "Volt-2" },
    });
    await eventually(() => lists.length > 0 ? true : null, 8000, "a SendLocalList");
    assertEquals(
      lists[0].localAuthorizationList.map((e: Json) => e.idToken),
      [{ idToken: "ANY-1", type: "ISO14443" }, { idToken: "KEY-1", type: "ISO15693" }],
    );
    // A tag with a type matches only that type; one without matches any.
    assertEquals(await authorize("KEY-1", "ISO15693"), "Accepted");
    assertEquals(await authorize("KEY-1", "ISO14443"), "Invalid");
    assertEquals(await authorize("ANY-1", "eMAID"), "Accepted");
    // The type changed: the station gets the tag again with it; null takes it off.
    const changed = await server.json("/api/v1/id-tags/ANY-1", {
      method: "PATCH",
      body: { idTokenType: "KeyCode" },
    });
    assertEquals([changed.status, changed.body.idTokenType], [200, "KeyCode"]);
    await eventually(() => lists.length > 1 ? true : null, 8000, "a Differential");
    assertEquals(lists[1].updateType, "Differential");
    assertEquals(lists[1].localAuthorizationList.map((e: Json) => e.idToken), [{
      idToken: "ANY-1",
      type: "KeyCode",
    }]);
    assertEquals(await authorize("ANY-1", "eMAID"), "Invalid");
    const cleared = await server.json("/api/v1/id-tags/ANY-1", {
      method: "PATCH",
      body: { idTokenType: null },
    });
    assertEquals([cleared.status, "idTokenType" in cleared.body], [200, false]);
    assertEquals(await authorize("ANY-1", "eMAID"), "Accepted");
  } finally {
    await closeStation(station);
    await server.close();
  }
});
