import { isoString } from "../../protocol/ocppj/time.ts";
import type { FileStatusEntry, FileTransferKind } from "../../model/file_status.ts";
import type { StationEvent } from "../events.ts";
import type { HandlerContext } from "./handler.ts";

/** A reported file transfer status as a history entry, received now (the four *StatusNotification handlers). */
export function fileStatusEntry(
  ctx: HandlerContext,
  kind: FileTransferKind,
  request: { status: string; requestId?: number | undefined },
): FileStatusEntry {
  return {
    chargePointId: ctx.chargePointId,
    kind,
    status: request.status,
    requestId: request.requestId ?? null,
    receivedAt: isoString(ctx.now),
  };
}

/** The event a firmware status publishes (firmware campaigns follow it). */
export function firmwareStatusEvent(
  ctx: HandlerContext,
  request: { status: string; requestId?: number | undefined },
): StationEvent {
  return {
    type: "firmwareStatus",
    chargePointId: ctx.chargePointId,
    at: isoString(ctx.now),
    status: request.status,
    requestId: request.requestId ?? null,
  };
}
