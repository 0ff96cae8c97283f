import { assertEquals } from "@std/assert";
import { ACTIONS } from "../protocol/ocpp201/mod.ts";
import { configurationFrom, getVariablesFor, sendLocalList201 } from "./ocpp201_commands.ts";

Deno.test("sendLocalList201() sends idTags as idTokens, and an empty Full list without its list", () => {
  const full = sendLocalList201({
    listVersion: 4,
    updateType: "Differential",
    localAuthorizationList: [
      { idTag: "A", idTagInfo: { status: "Accepted", expiryDate: "2030-01-01T00:00:00Z", parentIdTag: "G" } },
      { idTag: "B" },
    ],
  });
  assertEquals(ACTIONS.SendLocalList.request.safeParse(full).success, true);
  assertEquals(full.localAuthorizationList, [
    {
      idToken: { idToken: "A", type: "ISO14443" },
      idTokenInfo: {
        status: "Accepted",
        cacheExpiryDateTime: "2030-01-01T00:00:00Z",
        groupIdToken: { idToken: "G", type: "Central" },
      },
    },
    { idToken: { idToken: "B", type: "ISO14443" } },
  ]);
  const empty = sendLocalList201({ listVersion: 5, updateType: "Full", localAuthorizationList: [] });
  assertEquals(empty, { versionNumber: 5, updateType: "Full" });
  assertEquals(ACTIONS.SendLocalList.request.safeParse(empty).success, true);
});

Deno.test("the local list limits are read from the device model and answered as configuration keys", () => {
  const keys = ["LocalAuthListMaxLength", "SendLocalListMaxLength", "HeartbeatInterval"];
  const ask = getVariablesFor(keys);
  assertEquals(ACTIONS.GetVariables.request.safeParse(ask).success, true);
  assertEquals(ask?.getVariableData.length, 2);
  assertEquals(getVariablesFor(["HeartbeatInterval"]), null);
  const answer = configurationFrom(keys, {
    getVariableResult: [
      {
        attributeStatus: "Accepted",
        attributeValue: "250",
        component: { name: "LocalAuthListCtrlr" },
        variable: { name: "Entries" },
      },
      {
        attributeStatus: "UnknownVariable",
        component: { name: "LocalAuthListCtrlr" },
        variable: { name: "ItemsPerMessage" },
      },
    ],
  });
  assertEquals(answer, {
    configurationKey: [{ key: "LocalAuthListMaxLength", readonly: true, value: "250" }],
    unknownKey: ["SendLocalListMaxLength", "HeartbeatInterval"],
  });
});
