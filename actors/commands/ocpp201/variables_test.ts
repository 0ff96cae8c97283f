import { assertEquals } from "@std/assert";
import { getVariables, setVariables } from "./variables.ts";

const AT = "2026-12-05T10:00:00.000Z";
const heartbeat = { component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } };

// The request and answer types are those of the action tables; the tests build them as plain objects.
// deno-lint-ignore no-explicit-any
const told = (command: any, request: unknown, response: unknown) =>
  command.deviceModelValues(request, response, AT).map((t: { attributeType: string; value: string }) => [
    t.attributeType,
    t.value,
  ]);

Deno.test("GetVariables: a result without attributeType is about the attribute the request asked for", () => {
  const request = { getVariableData: [{ ...heartbeat, attributeType: "Target" }] };
  const response = {
    getVariableResult: [{ ...heartbeat, attributeStatus: "Accepted", attributeValue: "60" }],
  };
  assertEquals(told(getVariables, request, response), [["Target", "60"]]);
  const own = { getVariableResult: [{ ...response.getVariableResult[0], attributeType: "MaxSet" }] };
  assertEquals(told(getVariables, request, own), [["MaxSet", "60"]], "its own attributeType wins");
  assertEquals(
    told(getVariables, { getVariableData: [heartbeat] }, response),
    [["Actual", "60"]],
    "a request naming none asked for Actual",
  );
});

Deno.test("GetVariables: an untyped result for a variable asked about twice, or never, teaches nothing", () => {
  const both = { getVariableData: [heartbeat, { ...heartbeat, attributeType: "Target" }] };
  const response = {
    getVariableResult: [{ ...heartbeat, attributeStatus: "Accepted", attributeValue: "60" }],
  };
  assertEquals(told(getVariables, both, response), []);
  const other = { getVariableData: [{ component: { name: "X" }, variable: { name: "Y" } }] };
  assertEquals(told(getVariables, other, response), []);
});

Deno.test("SetVariables: an untyped Accepted result for a Target set stores the Target value", () => {
  const request = { setVariableData: [{ ...heartbeat, attributeType: "Target", attributeValue: "90" }] };
  const response = { setVariableResult: [{ ...heartbeat, attributeStatus: "Accepted" }] };
  assertEquals(told(setVariables, request, response), [["Target", "90"]]);
  const rejected = { setVariableResult: [{ ...heartbeat, attributeStatus: "Rejected" }] };
  assertEquals(told(setVariables, request, rejected), []);
});
