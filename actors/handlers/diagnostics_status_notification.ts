import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.4: recorded on the snapshot. */
export const diagnosticsStatusNotification: Handler<"DiagnosticsStatusNotification"> = (_state, request) => ({
  response: {},
  changes: { snapshot: { diagnosticsStatus: request.status } },
  log: [{ level: "info", msg: "diagnostics status", fields: { status: request.status } }],
});
