import { fileStatusEntry } from "./file_status.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.4: recorded on the snapshot (the latest) and kept as history. */
export const diagnosticsStatusNotification: Handler<"DiagnosticsStatusNotification"> = (
  _state,
  request,
  ctx,
) => ({
  response: {},
  changes: {
    snapshot: { diagnosticsStatus: request.status },
    fileStatus: [fileStatusEntry(ctx, "diagnostics", request)],
  },
  log: [{ level: "info", msg: "diagnostics status", fields: { status: request.status } }],
});
