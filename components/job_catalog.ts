/**
 * What the dashboard offers to run as a job: each CS->CP command of either dialect (OCPP 1.6, OCPP 2.0.1: the
 * job API takes both) with its summary and an example payload to edit (the API checks the payload with the
 * action's schema). Built on the server from the command catalogs and handed to islands as props.
 */
import { CS_TO_CP_ACTIONS as ACTIONS_16 } from "../protocol/ocpp16/mod.ts";
import { CS_TO_CP_ACTIONS as ACTIONS_201 } from "../protocol/ocpp201/mod.ts";
import { commandCatalog, type CommandField } from "./command_catalog.ts";
import { commandCatalog201 } from "./command_catalog_201.ts";
import type { DialectLabel } from "./dialect_label.ts";

export type JobDialect = DialectLabel;

export interface JobCommand {
  /** The form's choice: the action, prefixed for 2.0.1 (`ocpp2.0.1:Reset`; both dialects have a Reset). */
  key: string;
  action: string;
  /** The dialect whose schema the example follows: the stations that speak it are the ones it is for. */
  dialect: JobDialect;
  /**
   * The dialects that have this action at all: a station of another dialect cannot be sent it whatever the
   * payload (the form refuses such a selection before the job is made).
   */
  dialects: JobDialect[];
  summary: string;
  /** A payload to start from (JSON text). */
  example: string;
}

/** The dialects whose CS->CP actions include `action`. */
function dialectsWith(action: string): JobDialect[] {
  return [
    ...((ACTIONS_16 as readonly string[]).includes(action) ? ["OCPP 1.6" as const] : []),
    ...((ACTIONS_201 as readonly string[]).includes(action) ? ["OCPP 2.0.1" as const] : []),
  ];
}

function sample(field: CommandField): unknown {
  switch (field.kind) {
    case "integer":
      return field.name === "connectorId" ? 0 : 1;
    case "enum":
      return field.options?.[0] ?? "";
    case "datetime":
      return new Date(0).toISOString();
    case "list":
      return [];
    case "json":
      return {};
    default:
      return "";
  }
}

/**
 * Examples of a job's own where the station form's would be refused: a job's one payload goes to every station,
 * so no csms: location (a URL made for one station at a time); a location to edit rather than an empty one; and
 * UnlockConnector names a connector (from 1), not the whole station.
 */
const JOB_EXAMPLES: Record<string, unknown> = {
  GetDiagnostics: { location: "ftp://files.example.com/diagnostics/" },
  GetLog: { logType: "SecurityLog", requestId: 1, log: { remoteLocation: "ftp://files.example.com/logs/" } },
  UnlockConnector: { connectorId: 1 },
  UpdateFirmware: {
    location: "https://files.example.com/firmware.bin",
    retrieveDate: new Date(0).toISOString(),
  },
};

/**
 * 2.0.1 commands not offered as a job: the API refuses a SetNetworkProfile (it sets a security profile, followed
 * per station); a 2.0.1 transaction id is one station's own; a RequestStartTransaction's remoteStartId is
 * allocated per command by the command API, and a job's one payload would give every station the same.
 */
const NOT_JOBS_201 = new Set([
  "SetNetworkProfile",
  "RequestStartTransaction",
  "RequestStopTransaction",
  "GetTransactionStatus",
]);

export function jobCommands(): JobCommand[] {
  const ocpp201 = commandCatalog201().filter((spec) => !NOT_JOBS_201.has(spec.action)).map((spec) => ({
    key: `ocpp2.0.1:${spec.action}`,
    action: spec.action,
    dialect: "OCPP 2.0.1" as const,
    dialects: dialectsWith(spec.action),
    summary: spec.summary,
    example: spec.template ?? "{}",
  }));
  return [
    ...commandCatalog().map((spec) => ({
      key: spec.action,
      action: spec.action,
      dialect: "OCPP 1.6" as const,
      dialects: dialectsWith(spec.action),
      summary: spec.summary,
      example:
        (spec.action in JOB_EXAMPLES ? JSON.stringify(JOB_EXAMPLES[spec.action], null, 2) : undefined) ??
          spec.template ??
          JSON.stringify(
            Object.fromEntries(spec.fields.filter((f) => f.required).map((f) => [f.name, sample(f)])),
          ),
    })),
    ...ocpp201,
  ];
}
