import { isoString } from "../../protocol/ocppj/time.ts";
import type { StationEvent } from "../events.ts";
import type { HandlerContext } from "./handler.ts";

/** The `unknownIdTag` event of a tag a station presented, when it is unknown; none otherwise. */
export function unknownIdTagEvents(
  ctx: Pick<HandlerContext, "chargePointId" | "now">,
  unknown: boolean,
  idTag: string,
  idTokenType: string | null,
): StationEvent[] {
  if (!unknown) return [];
  return [{
    type: "unknownIdTag",
    chargePointId: ctx.chargePointId,
    at: isoString(ctx.now),
    idTag,
    idTokenType,
  }];
}
