/**
 * Writes `protocol/ocpp201/<action>.ts`, one file per OCPP 2.0.1 action we speak, from the official OCPP 2.0.1
 * JSON schemas that npm `ocpp-rpc` ships. Generated rather than typed by hand: 41 message pairs with some 300
 * length limits are easy to get subtly wrong, and `protocol/ocpp201/schemas_test.ts` cross-checks every
 * generated schema against the JSON schemas on thousands of payloads anyway. Run after changing the table
 * below: `deno run -A tasks/gen_ocpp201.ts && deno fmt protocol/ocpp201`.
 */
import { createRequire } from "node:module";

interface Node {
  $ref?: string;
  type?: string;
  enum?: string[];
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Node;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
  format?: string;
  minimum?: number;
  maximum?: number;
  definitions?: Record<string, Node>;
  $id?: string;
}

type Direction = "CpToCs" | "CsToCp" | "both";

/** Every action of the 2.0.1 dialect: who sends it, what it does, where OCPP 2.0.1 Part 2 describes it. */
const ACTIONS: Record<string, [Direction, string, string]> = {
  // Provisioning (B), availability (G)
  BootNotification: [
    "CpToCs",
    "Tell the CSMS the station (re)booted and why; the answer registers it",
    "B01-B04",
  ],
  Heartbeat: ["CpToCs", "Tell the CSMS the station is alive; the answer gives the current time", "G02"],
  StatusNotification: ["CpToCs", "Report the status of one connector of one EVSE", "G01"],
  GetVariables: ["CsToCp", "Read variables of the station's device model", "B06"],
  SetVariables: ["CsToCp", "Set variables of the station's device model", "B05"],
  GetBaseReport: ["CsToCp", "Ask for a base report of the device model (sent as NotifyReport)", "B07"],
  GetReport: ["CsToCp", "Ask for a custom report of the device model (sent as NotifyReport)", "B08"],
  NotifyReport: [
    "CpToCs",
    "Send (part of) a device model report asked for by GetBaseReport/GetReport",
    "B07-B08",
  ],
  SetNetworkProfile: [
    "CsToCp",
    "Store a connection profile (CSMS URL, security profile) in a configuration slot of the station",
    "B09",
  ],
  Reset: ["CsToCp", "Reset the station or one EVSE, Immediate or OnIdle", "B11-B12"],
  NotifyEvent: [
    "CpToCs",
    "Report events of the device model (acknowledged; monitoring is out of scope)",
    "N07",
  ],
  // Authorization (C), local list (D)
  Authorize: ["CpToCs", "Ask whether an idToken may charge", "C01-C09"],
  ClearCache: ["CsToCp", "Clear the station's authorization cache", "C11"],
  GetLocalListVersion: ["CsToCp", "Read the version of the local authorization list", "D02"],
  SendLocalList: ["CsToCp", "Replace or update the local authorization list", "D01"],
  // Transactions (E), meter values (J)
  TransactionEvent: [
    "CpToCs",
    "Report a transaction's start, update or end (seqNo, triggerReason, offline)",
    "E01-E15",
  ],
  GetTransactionStatus: ["CsToCp", "Ask whether a transaction is ongoing and has queued messages", "E14"],
  MeterValues: ["CpToCs", "Send meter values outside a transaction", "J01"],
  // Remote control (F), availability (G)
  RequestStartTransaction: ["CsToCp", "Start a transaction remotely; remoteStartId links it", "F01-F02"],
  RequestStopTransaction: ["CsToCp", "Stop a transaction remotely by the station's transactionId", "F03"],
  UnlockConnector: ["CsToCp", "Unlock the connector of an EVSE", "F05"],
  TriggerMessage: ["CsToCp", "Ask the station to send a message now", "F06"],
  ChangeAvailability: [
    "CsToCp",
    "Make the station, an EVSE or a connector Operative or Inoperative",
    "G03-G05",
  ],
  // Smart charging (K)
  SetChargingProfile: ["CsToCp", "Install a charging profile on an EVSE (0: the station)", "K01"],
  ClearChargingProfile: ["CsToCp", "Remove charging profiles by id or criteria", "K10"],
  GetChargingProfiles: [
    "CsToCp",
    "Ask for installed charging profiles (sent as ReportChargingProfiles)",
    "K09",
  ],
  ReportChargingProfiles: ["CpToCs", "Send charging profiles asked for by GetChargingProfiles", "K09"],
  GetCompositeSchedule: ["CsToCp", "Ask for the schedule an EVSE will follow", "K08"],
  NotifyChargingLimit: ["CpToCs", "Report a charging limit set by an external system", "K12"],
  ClearedChargingLimit: ["CpToCs", "Report that an external charging limit was released", "K13"],
  // Security (A)
  SecurityEventNotification: ["CpToCs", "Report a security event", "A04"],
  SignCertificate: ["CpToCs", "Send a CSR for the CSMS to sign", "A02-A03"],
  CertificateSigned: ["CsToCp", "Send the signed certificate chain for an earlier CSR", "A02-A03"],
  InstallCertificate: ["CsToCp", "Install a root certificate", "M05"],
  DeleteCertificate: ["CsToCp", "Delete an installed certificate", "M04"],
  GetInstalledCertificateIds: ["CsToCp", "List installed certificates", "M03"],
  // Firmware (L), diagnostics (N)
  UpdateFirmware: ["CsToCp", "Download and install signed firmware", "L01-L02"],
  FirmwareStatusNotification: ["CpToCs", "Report firmware download and install progress", "L01"],
  GetLog: ["CsToCp", "Upload a diagnostics or security log to a URL", "N01"],
  LogStatusNotification: ["CpToCs", "Report log upload progress", "N01"],
  // Reservations (H)
  ReserveNow: ["CsToCp", "Reserve an EVSE (or any) for an idToken until an expiry", "H01"],
  CancelReservation: ["CsToCp", "Cancel a reservation", "H02"],
  ReservationStatusUpdate: ["CpToCs", "Report that a reservation expired or was removed", "H01"],
  // Data transfer (P)
  DataTransfer: ["both", "Exchange vendor-specific data", "P01-P02"],
};

const require = createRequire(import.meta.url);
const OFFICIAL: Node[] = require("ocpp-rpc/lib/schemas/ocpp2_0_1.json");

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z])([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

/** The zod expression of one schema node; `used` collects the helpers and definitions it needs. */
function expr(node: Node, used: Set<string>, defs: Set<string>): string {
  if (node.$ref) {
    const name = node.$ref.replace("#/definitions/", "");
    defs.add(name);
    return name;
  }
  switch (node.type) {
    case "object": {
      const required = new Set(node.required ?? []);
      const fields = Object.entries(node.properties ?? {}).map(([key, child]) => {
        const value = expr(child, used, defs);
        const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
        return `  ${name}: ${value}${required.has(key) ? "" : ".optional()"},`;
      });
      // OCPP 2.0.1 leaves CustomDataType open (vendors extend it); everything else is closed.
      const make = node.additionalProperties === false ? "z.strictObject" : "z.looseObject";
      return `${make}({\n${fields.join("\n")}\n})`;
    }
    case "array": {
      let out = `z.array(${expr(node.items ?? {}, used, defs)})`;
      if (node.minItems !== undefined) out += `.min(${node.minItems})`;
      if (node.maxItems !== undefined) out += `.max(${node.maxItems})`;
      return out;
    }
    case "string":
      if (node.enum) return `z.enum(${JSON.stringify(node.enum)})`;
      if (node.format === "date-time") {
        used.add("dateTime");
        return "dateTime";
      }
      if (node.format === "uri") {
        used.add("uri");
        return "uri";
      }
      if (node.format !== undefined) throw new Error(`Unknown format ${node.format}`);
      if (node.maxLength !== undefined) {
        used.add("maxLengthString");
        return `maxLengthString(${node.maxLength})`;
      }
      return "z.string()";
    case "integer": {
      used.add("integer");
      let out = "integer";
      if (node.minimum !== undefined) out += `.min(${node.minimum})`;
      if (node.maximum !== undefined) out += `.max(${node.maximum})`;
      return out;
    }
    case "number":
      return "z.number()";
    case "boolean":
      return "z.boolean()";
    case undefined:
      // DataTransfer `data`: any JSON value, by agreement of both parties.
      return "z.unknown()";
    default:
      throw new Error(`Cannot translate ${JSON.stringify(node).slice(0, 200)}`);
  }
}

function schemaOf(id: string): Node {
  const schema = OFFICIAL.find((s) => s.$id === id);
  if (!schema) throw new Error(`No schema ${id}`);
  return schema;
}

/** One definition of one action's schemas: its zod text, the definitions it uses, the helpers it needs. */
interface Definition {
  text: string;
  deps: Set<string>;
  helpers: Set<string>;
}

/** Every definition the request and response of `action` use, by name. */
function definitionsOf(action: string): Map<string, Definition> {
  const out = new Map<string, Definition>();
  for (const kind of ["req", "conf"]) {
    const schema = schemaOf(`urn:${action}.${kind}`);
    for (const [name, node] of Object.entries(schema.definitions ?? {})) {
      const deps = new Set<string>();
      const helpers = new Set<string>();
      const text = expr(node, helpers, deps);
      const known = out.get(name);
      if (known && known.text !== text) throw new Error(`${action}: two definitions of ${name}`);
      out.set(name, { text, deps, helpers });
    }
  }
  return out;
}

/**
 * The definitions every action that uses them defines alike (same zod text, and so are all they use), and
 * that more than one action uses: written once, in `common.ts`.
 */
function commonDefinitions(all: Map<string, Map<string, Definition>>): Map<string, Definition> {
  const texts = new Map<string, Set<string>>();
  const users = new Map<string, number>();
  const first = new Map<string, Definition>();
  for (const defs of all.values()) {
    for (const [name, def] of defs) {
      texts.set(name, (texts.get(name) ?? new Set()).add(def.text));
      users.set(name, (users.get(name) ?? 0) + 1);
      if (!first.has(name)) first.set(name, def);
    }
  }
  const common = new Set(
    [...texts].filter(([name, t]) => t.size === 1 && users.get(name)! > 1).map(([n]) => n),
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const name of common) {
      if ([...first.get(name)!.deps].some((dep) => !common.has(dep))) {
        common.delete(name);
        changed = true;
      }
    }
  }
  return new Map([...common].sort().map((name) => [name, first.get(name)!]));
}

/** `names` and what they use within `defs`, in dependency order. */
function ordered(names: Iterable<string>, defs: Map<string, Definition>): string[] {
  const out: string[] = [];
  const visit = (name: string, stack: string[]) => {
    if (out.includes(name) || !defs.has(name)) return;
    if (stack.includes(name)) throw new Error(`Recursive definition ${name}`);
    for (const dep of [...defs.get(name)!.deps].sort()) visit(dep, [...stack, name]);
    out.push(name);
  };
  for (const name of names) visit(name, []);
  return out;
}

function helperImport(helpers: Set<string>): string {
  return helpers.size ? `import { ${[...helpers].sort().join(", ")} } from "../ocppj/json_schema.ts";\n` : "";
}

function commonFile(common: Map<string, Definition>): string {
  const helpers = new Set([...common.values()].flatMap((d) => [...d.helpers]));
  const names = ordered(common.keys(), common);
  return `/**
 * The OCPP 2.0.1 data types several messages share (OCPP 2.0.1 Part 2 §2 "Datatypes"), written once:
 * generated by \`tasks/gen_ocpp201.ts\` from the definitions the official JSON schemas repeat alike in each
 * message; change the generator, not this file.
 */
import { z } from "zod";
${helperImport(helpers)}
${names.map((name) => `export const ${name} = ${common.get(name)!.text};`).join("\n\n")}
`;
}

function fileFor(
  action: string,
  [direction, summary, section]: [Direction, string, string],
  defs: Map<string, Definition>,
  common: Map<string, Definition>,
): string {
  const helpers = new Set<string>();
  const bodies: string[] = [];
  const roots = new Set<string>();
  for (const [kind, suffix] of [["req", "Request"], ["conf", "Response"]] as const) {
    const schema = schemaOf(`urn:${action}.${kind}`);
    const body = expr({ ...schema, type: "object" }, helpers, roots);
    bodies.push(
      `export const ${action}${suffix} = ${body};\nexport type ${action}${suffix} = z.infer<typeof ${action}${suffix}>;`,
    );
  }
  const needed = ordered(roots, defs);
  const local = needed.filter((name) => !common.has(name));
  const shared = needed.filter((name) =>
    common.has(name) && (roots.has(name) ||
      local.some((l) => defs.get(l)!.deps.has(name)))
  );
  for (const name of local) for (const h of defs.get(name)!.helpers) helpers.add(h);
  const where = `OCPP 2.0.1 Part 2 ${section}`;
  const directions = direction === "both"
    ? `{ CpToCs: "${where}", CsToCp: "${where}" }`
    : `{ ${direction}: "${where}" }`;
  const sender = direction === "CpToCs"
    ? "the Charging Station"
    : direction === "CsToCp"
    ? "the CSMS"
    : "either side";
  return `/**
 * ${action}, sent by ${sender} (${where}).
 * Generated by \`tasks/gen_ocpp201.ts\` from \`urn:${action}.req\` / \`.conf\` of the official OCPP 2.0.1 JSON
 * schemas (as npm ocpp-rpc ships them); change the generator, not this file.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
${helperImport(helpers)}${shared.length ? `import { ${shared.sort().join(", ")} } from "./common.ts";\n` : ""}
${local.map((name) => `const ${name} = ${defs.get(name)!.text};`).join("\n\n")}

${bodies.join("\n\n")}

export const ${action} = {
  summary: ${JSON.stringify(summary)},
  directions: ${directions},
  request: ${action}Request,
  response: ${action}Response,
} as const satisfies ActionDefinition;
`;
}

if (import.meta.main) {
  const dir = new URL("../protocol/ocpp201/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  const all = new Map(Object.keys(ACTIONS).map((action) => [action, definitionsOf(action)]));
  const common = commonDefinitions(all);
  await Deno.writeTextFile(new URL("common.ts", dir), commonFile(common));
  for (const [action, entry] of Object.entries(ACTIONS)) {
    await Deno.writeTextFile(
      new URL(`${snake(action)}.ts`, dir),
      fileFor(action, entry, all.get(action)!, common),
    );
  }
  const imports = Object.keys(ACTIONS).map((a) => `import { ${a} } from "./${snake(a)}.ts";`).join("\n");
  await Deno.writeTextFile(
    new URL("actions.ts", dir),
    `/** The OCPP 2.0.1 action table, generated by \`tasks/gen_ocpp201.ts\` (one file per action). */
import type { ActionTable } from "../ocppj/dialect.ts";
${imports}

export const ACTIONS = {
${Object.keys(ACTIONS).map((a) => `  ${a},`).join("\n")}
} as const satisfies ActionTable;
`,
  );
  console.log(`Wrote ${Object.keys(ACTIONS).length} actions`);
}
