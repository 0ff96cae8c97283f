import { isoString } from "../../../protocol/ocppj/time.ts";
import type { Handler201 } from "./handler.ts";

/** OCPP 2.0.1 G02: answers the time; the shell writes lastSeen as for every CALL. */
export const heartbeat: Handler201<"Heartbeat"> = (_state, _request, ctx) => ({
  response: { currentTime: isoString(ctx.now) },
});
