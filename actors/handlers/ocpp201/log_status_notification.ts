import { fileStatusEntry } from "../file_status.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 N01: the progress of a GetLog upload, kept as history with its requestId, and the station's
 * diagnostics status, as 1.6's DiagnosticsStatusNotification sets it: 2.0.1 has no GetDiagnostics, its
 * diagnostics come as a log (GetLog DiagnosticsLog). A 1.6 LogStatusNotification (Security Whitepaper) leaves
 * that status to 1.6's own diagnostics upload.
 */
export const logStatusNotification201: Handler201<"LogStatusNotification"> = (_state, request, ctx) => ({
  response: {},
  changes: {
    snapshot: { diagnosticsStatus: request.status },
    fileStatus: [fileStatusEntry(ctx, "log", request)],
  },
  log: [{
    level: "info",
    msg: "log status",
    fields: { status: request.status, requestId: request.requestId },
  }],
});
