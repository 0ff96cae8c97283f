import { checkIdTag } from "../authorization.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.1. */
export const authorize: Handler<"Authorize"> = async (ctx, request) => {
  const idTagInfo = await checkIdTag(ctx.deps.store, request.idTag, {
    now: ctx.receivedAt,
    singleUse: ctx.deps.settings.singleUseIdTags,
    ignoreActiveOn: { chargePointId: ctx.chargePointId },
  });
  return { idTagInfo };
};
