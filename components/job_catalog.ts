/**
 * What the dashboard offers to run as a job: each CS->CP command with its summary and an example payload to
 * edit (the API checks the payload with the action's schema). Built on the server from the command catalog
 * and handed to islands as props.
 */
import { commandCatalog, type CommandField } from "./command_catalog.ts";

export interface JobCommand {
  action: string;
  summary: string;
  /** A payload to start from (JSON text). */
  example: string;
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

export function jobCommands(): JobCommand[] {
  return commandCatalog().map((spec) => ({
    action: spec.action,
    summary: spec.summary,
    example: (spec.action in JOB_EXAMPLES ? JSON.stringify(JOB_EXAMPLES[spec.action], null, 2) : undefined) ??
      spec.template ??
      JSON.stringify(
        Object.fromEntries(spec.fields.filter((f) => f.required).map((f) => [f.name, sample(f)])),
      ),
  }));
}
