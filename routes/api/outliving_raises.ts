/**
 * Settings whose higher value widens who may charge, which the station keeps after the API token that sent them
 * (`outliving_grants.ts`): MaxEnergyOnInvalidId (OCPP 1.6 §9.1; 2.0.1 TxCtrlr), the energy a card the server
 * answers Invalid after the start may still draw, and AuthCacheCtrlr.LifeTime (2.0.1 C10), how long a cached
 * card is taken offline without the server's word (1.6 has no such key). Whether a value raises one depends on
 * the station's current value, which only the station knows: what we know of it is the stored configuration
 * (1.6: the last GetConfiguration answer and accepted ChangeConfigurations) and device model (2.0.1:
 * NotifyReports, GetVariables reads, accepted SetVariables). An API token that expires may lower such a
 * setting, or set it to the value it has, and nothing else: a value above the known one, a current value
 * unknown (never read, or not a number) or a new one that is not a number is refused (403, rule
 * `expiring_token_raise`), as is any such setting in a job but 0, as a job's stations' values are read by no
 * one before it runs. Known only as well as the last read: a station that raised the value itself since is
 * judged by the older, lower one (a refusal then, never a wrong allowance), one that lowered it since by the
 * higher one.
 *
 * @example
 * ```ts ignore
 * await refuseOutlivingRaise(principal, "ChangeConfiguration", { key: "MaxEnergyOnInvalidId", value: "9" }, settings);
 * ```
 */
import type { Principal } from "../../auth/principal.ts";
import type { ConfigurationKeyValue } from "../../model/charge_point.ts";
import { type DeviceModelEntry, deviceModelKey } from "../../model/device_model.ts";
import { isPlainObject } from "../../protocol/ocppj/frames.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";

/** `component.variable` in lower case; component "" is an OCPP 1.6 ChangeConfiguration key. */
const RAISE_WIDENING_SETTINGS: ReadonlySet<string> = new Set([
  ".maxenergyoninvalidid",
  "txctrlr.maxenergyoninvalidid",
  "authcachectrlr.lifetime",
]);

/** What the server knows of one station's settings, read only when a raise is to be judged. */
export interface KnownStationSettings {
  /** OCPP 1.6: the stored configuration; null when it was never read. */
  configuration(): Promise<ConfigurationKeyValue[] | null>;
  /** OCPP 2.0.1: the stored device model's entries of these keys (`deviceModelKey`). */
  deviceModel(keys: readonly string[]): Promise<DeviceModelEntry[]>;
}

/** One raise-widening setting a command sets. */
interface SetSetting {
  /** As the refusal names it: the 1.6 key, or `Component.Variable` as sent. */
  name: string;
  value: unknown;
  /** 2.0.1: the entry's key in the device model and the attribute set (default Actual); 1.6: null. */
  entry: { key: string; attributeType: string } | null;
}

/**
 * Throws 403 when `principal` is a token that expires and the ChangeConfiguration or SetVariables `payload`
 * sets one of the RAISE_WIDENING_SETTINGS to anything but a number no higher than the station's known value;
 * `station` null (a job) refuses every such setting. Any JSON may come (a job's payload is checked after this).
 */
export async function refuseOutlivingRaise(
  principal: Principal | null,
  action: string,
  payload: unknown,
  station: KnownStationSettings | null,
): Promise<void> {
  const expiresAt = principal?.expiresAt;
  if (expiresAt === undefined || expiresAt === null) return;
  const settings = raiseWideningSettings(action, payload);
  if (settings.length === 0) return;
  const refuse = (setting: SetSetting, why: string, current: string | null) =>
    refuseOutlivingGrant(
      principal,
      `send ${action} ${setting.name} ${JSON.stringify(setting.value)}: ${why}, and a higher value widens ` +
        "who may charge",
      "expiring_token_raise",
      { setting: setting.name, value: setting.value, current },
    );
  if (station === null) {
    // 0 raises nothing, whatever a station has.
    const judged = settings.find((setting) => wholeNumber(setting.value) !== 0);
    if (judged) refuse(judged, "a job's stations' current values are not known when it is made", null);
    return;
  }
  const currents = await currentValues(settings, station);
  settings.forEach((setting, i) => {
    const current = currents[i] ?? null;
    const next = wholeNumber(setting.value);
    if (next === null) refuse(setting, "it is not a whole number", current);
    const known = current === null ? null : wholeNumber(current);
    if (known === null) {
      const read = setting.entry === null ? "GetConfiguration" : "GetVariables or GetBaseReport";
      refuse(setting, `its current value is not known (read it first: ${read})`, current);
    } else if (next! > known) {
      refuse(setting, `that raises its current value ${JSON.stringify(current)}`, current);
    }
  });
}

/** The RAISE_WIDENING_SETTINGS a ChangeConfiguration or SetVariables sets, in the order sent. */
function raiseWideningSettings(action: string, payload: unknown): SetSetting[] {
  if (!isPlainObject(payload)) return [];
  if (action === "ChangeConfiguration") {
    const key = typeof payload.key === "string" ? payload.key : "";
    return RAISE_WIDENING_SETTINGS.has(`.${key.toLowerCase()}`)
      ? [{ name: key, value: payload.value, entry: null }]
      : [];
  }
  if (action !== "SetVariables" || !Array.isArray(payload.setVariableData)) return [];
  return payload.setVariableData.flatMap((d: unknown): SetSetting[] => {
    if (!isPlainObject(d) || !isPlainObject(d.component) || !isPlainObject(d.variable)) return [];
    const { component, variable } = d;
    if (typeof component.name !== "string" || typeof variable.name !== "string") return [];
    if (!RAISE_WIDENING_SETTINGS.has(`${component.name}.${variable.name}`.toLowerCase())) return [];
    const evse = isPlainObject(component.evse) && typeof component.evse.id === "number"
      ? {
        id: component.evse.id,
        connectorId: typeof component.evse.connectorId === "number" ? component.evse.connectorId : undefined,
      }
      : undefined;
    const key = deviceModelKey({
      component: { name: component.name, instance: textOrUndefined(component.instance), evse },
      variable: { name: variable.name, instance: textOrUndefined(variable.instance) },
    });
    const attributeType = typeof d.attributeType === "string" ? d.attributeType : "Actual";
    return [{
      name: `${component.name}.${variable.name}`,
      value: d.attributeValue,
      entry: { key, attributeType },
    }];
  });
}

/** Each setting's current value as stored (null: unknown), read with one store call per dialect. */
async function currentValues(
  settings: readonly SetSetting[],
  station: KnownStationSettings,
): Promise<(string | null)[]> {
  const keys = settings.flatMap((s) => (s.entry === null ? [] : [s.entry.key]));
  const [configuration, entries] = await Promise.all([
    settings.some((s) => s.entry === null) ? station.configuration() : Promise.resolve(null),
    keys.length > 0 ? station.deviceModel(keys) : Promise.resolve([]),
  ]);
  return settings.map(({ name, entry }) => {
    if (entry === null) {
      // Keys are compared as the refusal of widening settings compares them: in any case.
      const stored = configuration?.find((k) => k.key.toLowerCase() === name.toLowerCase());
      return stored?.value ?? null;
    }
    const stored = entries.find((e) => deviceModelKey(e) === entry.key);
    return stored?.attributes.find((a) => (a.type ?? "Actual") === entry.attributeType)?.value ?? null;
  });
}

/** A value as a whole number (spaces around allowed); null for anything else. */
function wholeNumber(value: unknown): number | null {
  if (typeof value !== "string" || !/^\s*\d{1,15}\s*$/.test(value)) return null;
  return Number(value);
}

function textOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
