/**
 * OCPP 2.0.1 B05-B06: what SetVariables and GetVariables answers teach the stored device model. An accepted
 * set (or one that needs a reboot, as 1.6's ChangeConfiguration) and a read value replace the value of that
 * attribute; a secret's value (`BasicAuthPassword`) is kept as "[redacted]", since viewers read the model.
 */
import {
  componentOf,
  deviceModelKey,
  type DeviceModelValue,
  variableOf,
} from "../../../model/device_model.ts";
import { storedValue } from "../secrets.ts";
import type { Command201 } from "./command.ts";

type Told = Omit<DeviceModelValue, "chargePointId">;

const ACTUAL = "Actual";

export const setVariables: Command201<"SetVariables"> = {
  deviceModelValues(request, response, at) {
    const sent = new Map(
      request.setVariableData.map((d) => [attributeId(d, d.attributeType), d.attributeValue]),
    );
    const told: Told[] = [];
    for (const result of response.setVariableResult) {
      if (result.attributeStatus !== "Accepted" && result.attributeStatus !== "RebootRequired") continue;
      const value = sent.get(attributeId(result, result.attributeType));
      // An answer about a variable we did not set teaches nothing.
      if (value !== undefined) told.push(toldOf(result, result.attributeType, value, at));
    }
    return told;
  },
};

export const getVariables: Command201<"GetVariables"> = {
  deviceModelValues(_request, response, at) {
    return response.getVariableResult.flatMap((result) =>
      result.attributeStatus === "Accepted" && result.attributeValue !== undefined
        ? [toldOf(result, result.attributeType, result.attributeValue, at)]
        : []
    );
  },
};

type Named = Pick<DeviceModelValue, "component" | "variable">;

function attributeId(ref: Named, attributeType: string | undefined): string {
  return `${deviceModelKey(ref)}|${attributeType ?? ACTUAL}`;
}

function toldOf(ref: Named, attributeType: string | undefined, value: string, at: string): Told {
  return {
    component: componentOf(ref.component),
    variable: variableOf(ref.variable),
    attributeType: attributeType ?? ACTUAL,
    value: storedValue(ref.variable.name, value),
    at,
  };
}
