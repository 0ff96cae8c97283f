import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.4: recorded on the snapshot. */
export const diagnosticsStatusNotification: Handler<"DiagnosticsStatusNotification"> = async (
  ctx,
  request,
) => {
  ctx.record.diagnosticsStatus = request.status;
  await ctx.save();
  ctx.log.info("diagnostics status", { status: request.status });
  return {};
};
