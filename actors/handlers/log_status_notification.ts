import { fileStatusEntry } from "./file_status.ts";
import type { Handler } from "./handler.ts";

/**
 * LogStatusNotification (OCPP 1.6 Security Whitepaper ed. 3 §5.13): the progress of a GetLog upload, kept as
 * history with its requestId.
 */
export const logStatusNotification: Handler<"LogStatusNotification"> = (_state, request, ctx) => ({
  response: {},
  changes: {
    fileStatus: [fileStatusEntry(ctx, "log", request)],
  },
  log: [{
    level: "info",
    msg: "log status",
    fields: { status: request.status, requestId: request.requestId },
  }],
});
