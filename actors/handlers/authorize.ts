import { checkIdTag } from "../../model/id_tag.ts";
import type { Handler } from "./handler.ts";

/** OCPP 1.6 §4.1. */
export const authorize: Handler<"Authorize"> = async (_state, request, ctx) => {
  const idTagInfo = await checkIdTag(ctx.lookups, request.idTag, {
    now: ctx.now,
    singleUse: ctx.settings.singleUseIdTags,
    ignoreActiveOn: { chargePointId: ctx.chargePointId },
  });
  return { response: { idTagInfo } };
};
