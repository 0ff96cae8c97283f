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

/** OCPP 1.6 §4.3: an unknown vendorId gets status UnknownVendorId. */
export const dataTransfer: Handler<"DataTransfer"> = async (_state, request, ctx) => {
  const vendor = Object.hasOwn(ctx.vendors, request.vendorId) ? ctx.vendors[request.vendorId] : undefined;
  if (!vendor) {
    return {
      response: { status: "UnknownVendorId" },
      log: [{
        level: "info",
        msg: "data transfer from unknown vendor",
        fields: { vendorId: request.vendorId },
      }],
    };
  }
  return { response: await vendor(ctx.chargePointId, request) };
};
