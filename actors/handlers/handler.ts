import type { CpToCsAction, RequestOf, ResponseOf } from "../../protocol/ocpp16/mod.ts";
import type { HandlerContext } from "../context.ts";

/** One handler per CP->CS action; it may throw `OcppError` to answer with a CALLERROR. */
export type Handler<A extends CpToCsAction> = (
  ctx: HandlerContext,
  request: RequestOf<A>,
) => Promise<ResponseOf<A>>;
