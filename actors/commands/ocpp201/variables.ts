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
      const type = answeredType(request.setVariableData, result);
      const value = type === null ? undefined : sent.get(attributeId(result, type));
      // An answer about a variable we did not set, or one we cannot tell which attribute of, teaches nothing.
      if (type !== null && value !== undefined) told.push(toldOf(result, type, value, at));
    }
    return told;
  },
};

export const getVariables: Command201<"GetVariables"> = {
  deviceModelValues(request, response, at) {
    return response.getVariableResult.flatMap((result) => {
      if (result.attributeStatus !== "Accepted" || result.attributeValue === undefined) return [];
      const type = answeredType(request.getVariableData, result);
      return type === null ? [] : [toldOf(result, type, result.attributeValue, at)];
    });
  },
};

type Named = Pick<DeviceModelValue, "component" | "variable">;
type Typed = Named & { attributeType?: string | undefined };

/**
 * The attribute a result is about: its own attributeType, else (a station may leave it out) the one the
 * request asked about for that variable; null when the request asked about none or several of its attributes.
 */
function answeredType(requested: readonly Typed[], result: Typed): string | null {
  if (result.attributeType !== undefined) return result.attributeType;
  const key = deviceModelKey(result);
  const types = new Set(
    requested.filter((r) => deviceModelKey(r) === key).map((r) => r.attributeType ?? ACTUAL),
  );
  return types.size === 1 ? [...types][0]! : null;
}

function attributeId(ref: Named, attributeType: string | undefined): string {
  return `${deviceModelKey(ref)}|${attributeType ?? ACTUAL}`;
}

function toldOf(ref: Named, attributeType: string, value: string, at: string): Told {
  return {
    component: componentOf(ref.component),
    variable: variableOf(ref.variable),
    attributeType,
    value: storedValue(ref.variable.name, value),
    at,
  };
}
