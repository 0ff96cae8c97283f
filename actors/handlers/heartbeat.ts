import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.6: answers the time. The shell writes lastSeen, as for every CALL (a cheap, batched touch). */
export const heartbeat: Handler<"Heartbeat"> = (_state, _request, ctx) => ({
  response: { currentTime: ctx.now.toISOString() },
});
