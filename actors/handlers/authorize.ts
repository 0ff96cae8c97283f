import { judgeIdTag } from "../../model/id_tag.ts";
import type { Handler } from "./handler.ts";
import { unknownIdTagEvents } from "./unknown_id_tag.ts";

/** OCPP 1.6 §4.1. An unknown idTag is Invalid, and told (`unknownIdTag`) so that operators can add it. */
export const authorize: Handler<"Authorize"> = async (_state, request, ctx) => {
  const { info: idTagInfo, unknown } = await judgeIdTag(ctx.lookups, request.idTag, {
    now: ctx.now,
    singleUse: ctx.settings.singleUseIdTags,
    ignoreActiveOn: { chargePointId: ctx.chargePointId },
  });
  return { response: { idTagInfo }, events: unknownIdTagEvents(ctx, unknown, request.idTag, null) };
};
