import { fileStatusEntry, firmwareStatusEvent } from "./file_status.ts";
import type { Handler } from "./handler.ts";

/**
 * SignedFirmwareStatusNotification (OCPP 1.6 Security Whitepaper ed. 3 §5.19): the progress of a
 * SignedUpdateFirmware, recorded on the snapshot (the latest) and kept as history with its requestId.
 */
export const signedFirmwareStatusNotification: Handler<"SignedFirmwareStatusNotification"> = (
  _state,
  request,
  ctx,
) => ({
  response: {},
  changes: {
    snapshot: { firmwareStatus: request.status },
    fileStatus: [fileStatusEntry(ctx, "signedFirmware", request)],
  },
  events: [firmwareStatusEvent(ctx, request)],
  log: [{
    level: "info",
    msg: "signed firmware status",
    fields: { status: request.status, requestId: request.requestId },
  }],
});
