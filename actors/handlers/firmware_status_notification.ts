import { fileStatusEntry } from "./file_status.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.5: recorded on the snapshot (the latest) and kept as history. */
export const firmwareStatusNotification: Handler<"FirmwareStatusNotification"> = (_state, request, ctx) => ({
  response: {},
  changes: {
    snapshot: { firmwareStatus: request.status },
    fileStatus: [fileStatusEntry(ctx, "firmware", request)],
  },
  log: [{ level: "info", msg: "firmware status", fields: { status: request.status } }],
});
