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

export function jobCommands(): JobCommand[] {
  return commandCatalog().map((spec) => ({
    action: spec.action,
    summary: spec.summary,
    example: spec.template ??
      JSON.stringify(
        Object.fromEntries(spec.fields.filter((f) => f.required).map((f) => [f.name, sample(f)])),
      ),
  }));
}
