import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.5: recorded on the snapshot. */
export const firmwareStatusNotification: Handler<"FirmwareStatusNotification"> = async (ctx, request) => {
  ctx.record.firmwareStatus = request.status;
  await ctx.save();
  ctx.log.info("firmware status", { status: request.status });
  return {};
};
