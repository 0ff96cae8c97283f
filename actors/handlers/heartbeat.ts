import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.6: answers the time; last seen is kept on the hot path's light write. */
export const heartbeat: Handler<"Heartbeat"> = async (ctx) => {
  const at = ctx.receivedAt.toISOString();
  ctx.record.lastSeen = at;
  await ctx.deps.store.touchChargePoint(ctx.chargePointId, at);
  return { currentTime: at };
};
