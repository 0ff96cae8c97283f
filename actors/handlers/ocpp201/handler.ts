/**
 * The OCPP 2.0.1 handler type: the same contract as OCPP 1.6's (`../handler.ts`: state, validated request and
 * context in; answer, changes, events and log lines out; no I/O), typed by the 2.0.1 action table.
 */
import type { LiveRecord } from "../../../model/charge_point.ts";
import type { CpToCsAction, RequestOf, ResponseOf } from "../../../protocol/ocpp201/mod.ts";
import type { HandlerContext, HandlerResult } from "../handler.ts";

/** One handler per CP->CS action of OCPP 2.0.1. */
export type Handler201<A extends CpToCsAction> = (
  state: Readonly<LiveRecord>,
  request: RequestOf<A>,
  ctx: HandlerContext,
) => HandlerResult<ResponseOf<A>> | Promise<HandlerResult<ResponseOf<A>>>;
