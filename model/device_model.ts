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
export function deviceModelKey(entry: Pick<DeviceModelEntry, "component" | "variable">): string {
  const { component: c, variable: v } = entry;
  return [c.name, c.instance ?? "", c.evse?.id ?? "", c.evse?.connectorId ?? "", v.name, v.instance ?? ""]
    .join("|");
}
