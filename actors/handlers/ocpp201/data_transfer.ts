import { dataTransfer as dataTransfer16 } from "../data_transfer.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 P01: answered by the same vendor handlers and operators' rules as 1.6 DataTransfer. 2.0.1's
 * `data` may be any JSON value; the desk sees it as JSON text when it is not a string.
 */
export const dataTransfer: Handler201<"DataTransfer"> = async (state, request, ctx) => {
  const data: string | undefined = request.data === undefined || typeof request.data === "string"
    ? request.data as string | undefined
    : JSON.stringify(request.data);
  const request16: Parameters<typeof dataTransfer16>[1] = { vendorId: request.vendorId };
  if (request.messageId !== undefined) request16.messageId = request.messageId;
  if (data !== undefined) request16.data = data;
  return await dataTransfer16(state, request16, ctx);
};
