/**
 * The official OCPP JSON schemas as npm ocpp-rpc ships them, and a cross-check of our zod schemas against
 * them: ajv compiled as ocpp-rpc compiles them (`referenceAjv`) and ocpp-rpc's own validator must agree on
 * every generated sample, and zod with both. One per dialect's schemas_test.ts.
 */
import { createRequire } from "node:module";
import { createValidator } from "ocpp-rpc";
import type { z } from "zod";
import { crossCheck, type JsonSchema, referenceAjv } from "./json_schema_samples.ts";

// createRequire, not a JSON import: the file sits inside an npm package that the import map maps only by its
// root. The static import of ocpp-rpc above makes Deno install it into node_modules first on a clean clone.
const require = createRequire(import.meta.url);

export function ocppRpcSchemas(file: "ocpp1_6.json" | "ocpp2_0_1.json", protocol: "ocpp1.6" | "ocpp2.0.1") {
  const schemas: JsonSchema[] = require(`ocpp-rpc/lib/schemas/${file}`);
  const ajv = referenceAjv(schemas);
  // ocpp-rpc's own validator: proves that `referenceAjv` really is what a strict ocpp-rpc peer runs.
  const ocppRpc = createValidator(protocol, schemas as unknown as Parameters<typeof createValidator>[1]);
  const ocppRpcAccepts = (id: string, payload: unknown): boolean => {
    try {
      return ocppRpc.validate(id, payload) === true;
    } catch {
      return false;
    }
  };
  return {
    schemas,
    official(id: string): JsonSchema {
      const schema = schemas.find((s) => s.$id === id);
      if (!schema) throw new Error(`Schema "${id}" is not in ocpp-rpc's ${file}`);
      return schema;
    },
    /**
     * Cross-checks `zodSchema` against the official schema `id` (`schema`: it, as the samples are generated
     * from it); one line per disagreement and the number of samples.
     */
    check(id: string, schema: JsonSchema, zodSchema: z.ZodType): { problems: string[]; count: number } {
      const validate = ajv.getSchema(id);
      if (!validate) return { problems: [`${id}: not compiled by ajv`], count: 0 };
      return crossCheck(
        id,
        schema,
        (payload) => validate(payload) === true,
        zodSchema,
        (sample, byAjv) =>
          ocppRpcAccepts(id, sample.payload) !== byAjv ? "ocpp-rpc and our ajv disagree" : null,
      );
    },
  };
}
