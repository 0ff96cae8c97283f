/** OCPP 2.0.1 reports we acknowledge and log without keeping more: NotifyEvent (monitoring is out of scope). */
import type { Handler201 } from "./handler.ts";

export const notifyEvent: Handler201<"NotifyEvent"> = (_state, request) => ({
  response: {},
  log: [{
    level: "info",
    msg: "device model events",
    fields: { seqNo: request.seqNo, events: request.eventData.length, tbc: request.tbc ?? false },
  }],
});
