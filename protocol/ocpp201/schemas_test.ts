/**
 * Cross-check: our generated OCPP 2.0.1 zod schemas against the official OCPP 2.0.1 JSON schemas as npm
 * ocpp-rpc ships them, validated the way ocpp-rpc's strict mode validates them. Samples come from walking each
 * JSON schema (`tests/helpers/json_schema_samples.ts`): valid minimal and maximal payloads, then one mutation
 * at a time; ajv, ocpp-rpc and zod must agree on each, and validatePayload must name the mutated field with
 * the right code (1.6 spellings inside; the dialect renames them on the wire).
 */
import { assert, assertEquals, fail } from "@std/assert";
import { dereference, samplesFor } from "../../tests/helpers/json_schema_samples.ts";
import { ocppRpcSchemas } from "../../tests/helpers/ocpp_rpc_schemas.ts";
import { ACTIONS, CP_TO_CS_ACTIONS, CS_TO_CP_ACTIONS, OCPP201 } from "./mod.ts";
import { OUT_OF_SCOPE_ACTIONS } from "./out_of_scope.ts";
import { wireErrorCode } from "../ocppj/dialect.ts";

type Action = keyof typeof ACTIONS;
const OUR_ACTIONS = Object.keys(ACTIONS) as Action[];

const { schemas, official, check: checkAgainst } = ocppRpcSchemas("ocpp2_0_1.json", "ocpp2.0.1");

function check(action: Action, kind: "req" | "conf"): { problems: string[]; count: number } {
  const id = `urn:${action}.${kind}`;
  const zodSchema = kind === "req" ? ACTIONS[action].request : ACTIONS[action].response;
  return checkAgainst(id, dereference(official(id)), zodSchema);
}

Deno.test("the OCPP 2.0.1 table has every in-scope action of the official schemas, each way", () => {
  assertEquals(OUR_ACTIONS.length, 44);
  for (const action of OUR_ACTIONS) {
    official(`urn:${action}.req`);
    official(`urn:${action}.conf`);
  }
  assertEquals(CP_TO_CS_ACTIONS.length + CS_TO_CP_ACTIONS.length, 45); // DataTransfer goes both ways
  assert(CP_TO_CS_ACTIONS.includes("TransactionEvent"));
  assert(CS_TO_CP_ACTIONS.includes("RequestStartTransaction"));
});

Deno.test("every official OCPP 2.0.1 action is in the table or named out of scope, never both", () => {
  const officialActions = new Set(
    schemas.map((s) => /^urn:(.+)\.req$/.exec(s.$id ?? "")?.[1]).filter((a) => a !== undefined),
  );
  assertEquals(new Set([...OUR_ACTIONS, ...OUT_OF_SCOPE_ACTIONS]), officialActions);
  assertEquals(OUR_ACTIONS.filter((a) => OUT_OF_SCOPE_ACTIONS.includes(a)), []);
  assertEquals(OCPP201.outOfScope, OUT_OF_SCOPE_ACTIONS);
});

Deno.test("OCPP 2.0.1 spells the renamed RPC framework errors its own way", () => {
  assertEquals(wireErrorCode(OCPP201, "FormationViolation"), "FormatViolation");
  assertEquals(wireErrorCode(OCPP201, "OccurenceConstraintViolation"), "OccurrenceConstraintViolation");
  assertEquals(wireErrorCode(OCPP201, "PropertyConstraintViolation"), "PropertyConstraintViolation");
});

for (const action of OUR_ACTIONS) {
  Deno.test(`OCPP 2.0.1 ${action} schemas accept and reject what the official JSON schemas do`, () => {
    const problems = [...check(action, "req").problems, ...check(action, "conf").problems];
    if (problems.length > 0) {
      fail(`${problems.length} disagreement(s):\n${problems.slice(0, 40).join("\n")}`);
    }
  });
}

Deno.test("the OCPP 2.0.1 cross-check generates thousands of valid and invalid samples", () => {
  let valid = 0;
  let invalid = 0;
  for (const action of OUR_ACTIONS) {
    for (const kind of ["req", "conf"] as const) {
      for (const sample of samplesFor(dereference(official(`urn:${action}.${kind}`)))) {
        if (sample.expect === true) valid++;
        if (sample.expect === false) invalid++;
      }
    }
  }
  assert(valid > 2000 && invalid > 5000, `only ${valid} valid and ${invalid} invalid samples`);
});
