import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.5: recorded on the snapshot. */
export const firmwareStatusNotification: Handler<"FirmwareStatusNotification"> = (_state, request) => ({
  response: {},
  changes: { snapshot: { firmwareStatus: request.status } },
  log: [{ level: "info", msg: "firmware status", fields: { status: request.status } }],
});
