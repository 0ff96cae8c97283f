import { componentOf, type DeviceModelEntry, variableOf } from "../../../model/device_model.ts";
import { redactSecrets } from "../../../protocol/ocppj/secret_values.ts";
import { isoString, toUtcIso } from "../../../protocol/ocppj/time.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 B07-B08: one part of a device model report. Each variable it describes replaces what we kept
 * of it (a replayed part writes the same again); `tbc` says more parts follow.
 */
export const notifyReport: Handler201<"NotifyReport"> = (_state, request, ctx) => {
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
