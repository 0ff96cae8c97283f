/**
 * An OCPP 2.0.1 station's device model as its NotifyReports described it (OCPP 2.0.1 Part 1 §4 and Part 2
 * B07-B08): one entry per (component, EVSE, connector, variable, instance), replaced when a later report
 * describes it again. Stored apart from the station's snapshot: a base report can hold hundreds of
 * variables, too many for one snapshot value.
 */

/** One variable of one component, with its attributes (Actual, Target, MinSet, MaxSet) and characteristics. */
export interface DeviceModelEntry {
  chargePointId: string;
  component: { name: string; instance?: string; evse?: { id: number; connectorId?: number } };
  variable: { name: string; instance?: string };
  attributes: {
    type?: string | undefined;
    value?: string | undefined;
    mutability?: string | undefined;
    persistent?: boolean | undefined;
    constant?: boolean | undefined;
  }[];
  characteristics?: Record<string, unknown>;
  /** The report (requestId, generatedAt) that last described it, and when we received that. */
  requestId: number;
  generatedAt: string;
  receivedAt: string;
  /** When a command's answer (SetVariables accepted, GetVariables read) last changed a value since. */
  valueChangedAt?: string;
}

/** An entry's component as OCPP 2.0.1 names it (ComponentType, without customData). */
export interface ComponentRef {
  name: string;
  instance?: string | undefined;
  evse?: { id: number; connectorId?: number | undefined } | undefined;
}

/** An entry's variable as OCPP 2.0.1 names it (VariableType, without customData). */
export interface VariableRef {
  name: string;
  instance?: string | undefined;
}

/**
 * A value a command's answer told us: SetVariables accepted it (or will after a reboot), GetVariables read
 * it. It changes the attribute of its type in the stored entry of its key; a variable no report described
 * is not added (the device model is what the station's reports described).
 */
export interface DeviceModelValue {
  chargePointId: string;
  component: ComponentRef;
  variable: VariableRef;
  /** "Actual" when the command named none. */
  attributeType: string;
  value: string;
  /** When the answer came. */
  at: string;
}

/** `component` as an entry keeps it: only the fields OCPP defines, no customData, no undefined. */
export function componentOf(component: ComponentRef): DeviceModelEntry["component"] {
  const out: DeviceModelEntry["component"] = { name: component.name };
  if (component.instance !== undefined) out.instance = component.instance;
  if (component.evse) {
    out.evse = { id: component.evse.id };
    if (component.evse.connectorId !== undefined) out.evse.connectorId = component.evse.connectorId;
  }
  return out;
}

/** `variable` as an entry keeps it (see `componentOf`). */
export function variableOf(variable: VariableRef): DeviceModelEntry["variable"] {
  return variable.instance === undefined
    ? { name: variable.name }
    : { name: variable.name, instance: variable.instance };
}

/**
 * `entry` with `change`'s value in the attribute of its type (added when the entry has none of that type).
 *
 * @example
 * ```ts ignore
 * withValue(entry, { ...ref, attributeType: "Actual", value: "60", at }); // attributes[Actual].value "60"
 * ```
 */
export function withValue(entry: DeviceModelEntry, change: DeviceModelValue): DeviceModelEntry {
  const index = entry.attributes.findIndex((a) => (a.type ?? "Actual") === change.attributeType);
  const attributes = index < 0
    ? [...entry.attributes, { type: change.attributeType, value: change.value }]
    : entry.attributes.map((a, i) => (i === index ? { ...a, value: change.value } : a));
  return { ...entry, attributes, valueChangedAt: change.at };
}

/**
 * The natural key of an entry within its station: components sort together, then their variables.
 *
 * @example
 * ```ts
 * deviceModelKey({ component: { name: "EVSE", evse: { id: 1 } }, variable: { name: "Power" } });
 * // "EVSE||1||Power|"
 * ```
 */
export function deviceModelKey(entry: { component: ComponentRef; variable: VariableRef }): string {
  const { component: c, variable: v } = entry;
  return [c.name, c.instance ?? "", c.evse?.id ?? "", c.evse?.connectorId ?? "", v.name, v.instance ?? ""]
    .join("|");
}
