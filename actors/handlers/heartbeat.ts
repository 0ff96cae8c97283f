import { isoString } from "../../protocol/ocppj/time.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.6: answers the time. No changes: the shell writes lastSeen only when due (LAST_SEEN_INTERVAL_S). */
export const heartbeat: Handler<"Heartbeat"> = (_state, _request, ctx) => ({
  response: { currentTime: isoString(ctx.now) },
});
