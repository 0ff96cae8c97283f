import {
  componentOf,
  type DeviceModelEntry,
  deviceModelKey,
  variableOf,
} from "../../../model/device_model.ts";
import { redactSecrets } from "../../../protocol/ocppj/secret_values.ts";
import { isoString, toUtcIso } from "../../../protocol/ocppj/time.ts";
import { MAX_DEVICE_MODEL_ENTRIES, requireRoomForVariables } from "../bounds.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 B07-B08: one part of a device model report. Each variable it describes replaces what we kept
 * of it (a replayed part writes the same again); `tbc` says more parts follow. A part that would take the
 * stored model past MAX_DEVICE_MODEL_ENTRIES is refused whole; one that only describes stored variables again
 * is always taken.
 */
export const notifyReport: Handler201<"NotifyReport"> = async (_state, request, ctx) => {
  const receivedAt = isoString(ctx.now);
  const generatedAt = toUtcIso(request.generatedAt);
  const entries = (request.reportData ?? []).map((data): DeviceModelEntry => {
    const { component, variable } = data;
    const entry: DeviceModelEntry = {
      chargePointId: ctx.chargePointId,
      component: componentOf(component),
      variable: variableOf(variable),
      attributes: data.variableAttribute.map(({ customData: _, ...attribute }) => attribute),
      requestId: request.requestId,
      generatedAt,
      receivedAt,
    };
    if (data.variableCharacteristics) {
      const { customData: _, ...characteristics } = data.variableCharacteristics;
      entry.characteristics = characteristics;
    }
    return redactSecrets(entry);
  });
  const keys = [...new Set(entries.map(deviceModelKey))];
  const stored = keys.length > 0
    ? await ctx.lookups.storedDeviceModelKeys(ctx.chargePointId, keys)
    : new Set();
  const added = keys.filter((key) => !stored.has(key)).length;
  // Counted only when the part adds variables, and only as far as it decides: MAX - added + 1 has no room.
  if (added > 0) {
    const atMost = Math.max(1, MAX_DEVICE_MODEL_ENTRIES - added + 1);
    requireRoomForVariables(await ctx.lookups.countDeviceModel(ctx.chargePointId, atMost), added);
  }
  return {
    response: {},
    changes: { deviceModel: entries },
    log: [{
      level: "info",
      msg: "device model report",
      fields: {
        requestId: request.requestId,
        seqNo: request.seqNo,
        variables: entries.length,
        tbc: request.tbc ?? false,
      },
    }],
  };
};
