import type { RequestOf, ResponseOf } from "../../protocol/ocpp16/mod.ts";
import type { Handler } from "./handler.ts";

/**
 * Vendor-specific DataTransfer handlers, keyed by vendorId. A vendor handler answers its own messageIds
 * (UnknownMessageId for the rest).
 */
export type VendorHandler = (
  chargePointId: string,
  request: RequestOf<"DataTransfer">,
) => Promise<ResponseOf<"DataTransfer">> | ResponseOf<"DataTransfer">;

export type VendorTable = Readonly<Record<string, VendorHandler>>;

/**
 * The DataTransfer messages' desk (fleet/data_transfers.ts): answers those no vendor handler takes from the
 * rules operators set, and keeps every message with its answer. Like vendor handlers it is injected and may
 * do I/O: `record` resolves once the message is stored, so nothing is answered that is not kept.
 */
export interface DataTransferDesk {
  answer(request: RequestOf<"DataTransfer">): Promise<ResponseOf<"DataTransfer">>;
  record(
    chargePointId: string,
    request: RequestOf<"DataTransfer">,
    response: ResponseOf<"DataTransfer">,
    receivedAt: Date,
  ): Promise<void>;
}

/**
 * OCPP 1.6 §4.3: a vendor handler answers its vendorId; else the desk's rules; else UnknownVendorId. The desk
 * stores each message and its answer before it goes out.
 */
export const dataTransfer: Handler<"DataTransfer"> = async (_state, request, ctx) => {
  const vendor = Object.hasOwn(ctx.vendors, request.vendorId) ? ctx.vendors[request.vendorId] : undefined;
  const response: ResponseOf<"DataTransfer"> = vendor
    ? await vendor(ctx.chargePointId, request)
    : ctx.dataTransfers
    ? await ctx.dataTransfers.answer(request)
    : { status: "UnknownVendorId" };
  await ctx.dataTransfers?.record(ctx.chargePointId, request, response, ctx.now);
  if (response.status !== "UnknownVendorId") return { response };
  return {
    response,
    log: [{
      level: "info",
      msg: "data transfer from unknown vendor",
      fields: { vendorId: request.vendorId },
    }],
  };
};
