import { fileStatusEntry, firmwareStatusEvent } from "./file_status.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.5: recorded on the snapshot (the latest) and kept as history; firmware campaigns hear it. */
export const firmwareStatusNotification: Handler<"FirmwareStatusNotification"> = (_state, request, ctx) => ({
  response: {},
  changes: {
    snapshot: { firmwareStatus: request.status },
    fileStatus: [fileStatusEntry(ctx, "firmware", request)],
  },
  events: [firmwareStatusEvent(ctx, request)],
  log: [{ level: "info", msg: "firmware status", fields: { status: request.status } }],
});
