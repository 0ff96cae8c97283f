/**
 * The station's configuration keys (OCPP 1.6 §9: Core, Local Auth List, Reservation, Smart Charging, and the
 * Security whitepaper's AuthorizationKey/SecurityProfile) and the rules of GetConfiguration and
 * ChangeConfiguration: unknown keys are NotSupported, read-only keys and bad values Rejected, the
 * AuthorizationKey is write-only. Keys compare case-insensitively (they are CiString50). Pure.
 */
import { SUPPORTED_MEASURANDS } from "./meter.ts";
import type { Measurand, ResponseOf } from "./ocpp.ts";

type Kind = "integer" | "boolean" | "measurands" | "text" | "secret";

interface KeyDefinition {
  kind: Kind;
  readonly: boolean;
  /** For measurand lists: the key holding their maximum length. */
  maxLengthKey?: string;
}

const RW = false;
const R = true;

/** Every key the station knows, in the order GetConfiguration lists them. */
const KEYS: Record<string, KeyDefinition> = {
  AllowOfflineTxForUnknownId: { kind: "boolean", readonly: RW },
  AuthorizationCacheEnabled: { kind: "boolean", readonly: RW },
  AuthorizeRemoteTxRequests: { kind: "boolean", readonly: RW },
  ClockAlignedDataInterval: { kind: "integer", readonly: RW },
  ConnectionTimeOut: { kind: "integer", readonly: RW },
  ConnectorPhaseRotation: { kind: "text", readonly: RW },
  GetConfigurationMaxKeys: { kind: "integer", readonly: R },
  HeartbeatInterval: { kind: "integer", readonly: RW },
  LocalAuthorizeOffline: { kind: "boolean", readonly: RW },
  LocalPreAuthorize: { kind: "boolean", readonly: RW },
  MeterValuesAlignedData: {
    kind: "measurands",
    readonly: RW,
    maxLengthKey: "MeterValuesAlignedDataMaxLength",
  },
  MeterValuesAlignedDataMaxLength: { kind: "integer", readonly: R },
  MeterValuesSampledData: {
    kind: "measurands",
    readonly: RW,
    maxLengthKey: "MeterValuesSampledDataMaxLength",
  },
  MeterValuesSampledDataMaxLength: { kind: "integer", readonly: R },
  MeterValueSampleInterval: { kind: "integer", readonly: RW },
  NumberOfConnectors: { kind: "integer", readonly: R },
  ResetRetries: { kind: "integer", readonly: RW },
  StopTransactionOnEVSideDisconnect: { kind: "boolean", readonly: RW },
  StopTransactionOnInvalidId: { kind: "boolean", readonly: RW },
  StopTxnAlignedData: { kind: "measurands", readonly: RW, maxLengthKey: "StopTxnAlignedDataMaxLength" },
  StopTxnAlignedDataMaxLength: { kind: "integer", readonly: R },
  StopTxnSampledData: { kind: "measurands", readonly: RW, maxLengthKey: "StopTxnSampledDataMaxLength" },
  StopTxnSampledDataMaxLength: { kind: "integer", readonly: R },
  SupportedFeatureProfiles: { kind: "text", readonly: R },
  TransactionMessageAttempts: { kind: "integer", readonly: RW },
  TransactionMessageRetryInterval: { kind: "integer", readonly: RW },
  UnlockConnectorOnEVSideDisconnect: { kind: "boolean", readonly: RW },
  WebSocketPingInterval: { kind: "integer", readonly: RW },
  LocalAuthListEnabled: { kind: "boolean", readonly: RW },
  LocalAuthListMaxLength: { kind: "integer", readonly: R },
  SendLocalListMaxLength: { kind: "integer", readonly: R },
  ReserveConnectorZeroSupported: { kind: "boolean", readonly: R },
  ChargeProfileMaxStackLevel: { kind: "integer", readonly: R },
  ChargingScheduleAllowedChargingRateUnit: { kind: "text", readonly: R },
  ChargingScheduleMaxPeriods: { kind: "integer", readonly: R },
  ConnectorSwitch3to1PhaseSupported: { kind: "boolean", readonly: R },
  MaxChargingProfilesInstalled: { kind: "integer", readonly: R },
  AuthorizationKey: { kind: "secret", readonly: RW },
  SecurityProfile: { kind: "integer", readonly: R },
};

export type ConfigurationKey = keyof typeof KEYS;

/** Canonical key name by its lower-case spelling. */
const CANONICAL = new Map(Object.keys(KEYS).map((k) => [k.toLowerCase(), k]));

/** Values by canonical key. */
export type Configuration = ReadonlyMap<string, string>;

export interface ConfigurationOptions {
  connectors: number;
  heartbeatIntervalS: number;
  meterIntervalS: number;
  /** Profile 1 password (Basic auth); absent: profile 0. */
  authorizationKey?: string;
  /** Writable keys to set, e.g. `{ AuthorizeRemoteTxRequests: "true" }`. */
  overrides?: Record<string, string>;
  /** Read-only keys the station model has, e.g. `{ SendLocalListMaxLength: "2" }` (values still checked). */
  fixed?: Record<string, string>;
}

/**
 * A new station's configuration.
 *
 * @example
 * ```ts
 * const config = defaultConfiguration({ connectors: 2, heartbeatIntervalS: 300, meterIntervalS: 60 });
 * configInt(config, "NumberOfConnectors"); // 2
 * ```
 */
export function defaultConfiguration(options: ConfigurationOptions): Map<string, string> {
  const phaseRotation = Array.from({ length: options.connectors + 1 }, (_, i) => `${i}.RST`).join(",");
  const config = new Map<string, string>(Object.entries({
    AllowOfflineTxForUnknownId: "false",
    AuthorizationCacheEnabled: "true",
    AuthorizeRemoteTxRequests: "false",
    ClockAlignedDataInterval: "0",
    ConnectionTimeOut: "60",
    ConnectorPhaseRotation: phaseRotation,
    GetConfigurationMaxKeys: String(Object.keys(KEYS).length),
    HeartbeatInterval: String(options.heartbeatIntervalS),
    LocalAuthorizeOffline: "true",
    LocalPreAuthorize: "false",
    MeterValuesAlignedData: "Energy.Active.Import.Register",
    MeterValuesAlignedDataMaxLength: "7",
    MeterValuesSampledData: "Energy.Active.Import.Register,Power.Active.Import,Current.Import,SoC",
    MeterValuesSampledDataMaxLength: "7",
    MeterValueSampleInterval: String(options.meterIntervalS),
    NumberOfConnectors: String(options.connectors),
    ResetRetries: "3",
    StopTransactionOnEVSideDisconnect: "true",
    StopTransactionOnInvalidId: "true",
    StopTxnAlignedData: "",
    StopTxnAlignedDataMaxLength: "7",
    StopTxnSampledData: "Energy.Active.Import.Register",
    StopTxnSampledDataMaxLength: "7",
    SupportedFeatureProfiles:
      "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    TransactionMessageAttempts: "3",
    TransactionMessageRetryInterval: "10",
    UnlockConnectorOnEVSideDisconnect: "true",
    WebSocketPingInterval: "0",
    LocalAuthListEnabled: "true",
    LocalAuthListMaxLength: "1000",
    SendLocalListMaxLength: "100",
    ReserveConnectorZeroSupported: "false",
    ChargeProfileMaxStackLevel: "10",
    ChargingScheduleAllowedChargingRateUnit: "Current,Power",
    ChargingScheduleMaxPeriods: "24",
    ConnectorSwitch3to1PhaseSupported: "false",
    MaxChargingProfilesInstalled: "20",
    AuthorizationKey: options.authorizationKey ?? "",
    SecurityProfile: options.authorizationKey ? "1" : "0",
  }));
  // The model's fixed values first (what a Central System cannot change), then writable keys as it would.
  let result: Map<string, string> = config;
  for (const [key, value] of Object.entries(options.fixed ?? {})) {
    const change = changeConfiguration(result, key, value, { fixed: true });
    if (change.status !== "Accepted") throw new Error(`Cannot set configuration key: ${change.reason}`);
    result = change.config;
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    const change = changeConfiguration(result, key, value);
    if (change.status !== "Accepted") throw new Error(`Cannot set configuration key: ${change.reason}`);
    result = change.config;
  }
  return result;
}

/**
 * GetConfiguration (OCPP 1.6 §5.8): every key when none is asked for; the AuthorizationKey without its value.
 */
export function getConfiguration(
  config: Configuration,
  keys?: readonly string[],
): ResponseOf<"GetConfiguration"> {
  const wanted = keys && keys.length > 0 ? keys : Object.keys(KEYS);
  const configurationKey: NonNullable<ResponseOf<"GetConfiguration">["configurationKey"]> = [];
  const unknownKey: string[] = [];
  for (const asked of wanted) {
    const key = CANONICAL.get(asked.toLowerCase());
    const definition = key ? KEYS[key] : undefined;
    if (!key || !definition) {
      unknownKey.push(asked);
      continue;
    }
    if (definition.kind === "secret") configurationKey.push({ key, readonly: definition.readonly });
    else configurationKey.push({ key, readonly: definition.readonly, value: config.get(key) ?? "" });
  }
  return unknownKey.length > 0 ? { configurationKey, unknownKey } : { configurationKey };
}

export type ChangeResult =
  | { status: "Accepted"; key: string; config: Map<string, string> }
  | { status: "Rejected" | "NotSupported"; reason: string };

/**
 * ChangeConfiguration (OCPP 1.6 §5.3).
 *
 * @example
 * ```ts
 * changeConfiguration(config, "heartbeatinterval", "60"); // { status: "Accepted", key: "HeartbeatInterval", ... }
 * changeConfiguration(config, "NumberOfConnectors", "3").status; // "Rejected"
 * ```
 */
export function changeConfiguration(
  config: Configuration,
  asked: string,
  value: string,
  options: { fixed?: boolean } = {},
): ChangeResult {
  const key = CANONICAL.get(asked.toLowerCase());
  const definition = key ? KEYS[key] : undefined;
  if (!key || !definition) return { status: "NotSupported", reason: `Unknown key "${asked}"` };
  if (definition.readonly && !options.fixed) return { status: "Rejected", reason: `"${key}" is read-only` };
  const problem = invalidValue(config, definition, value);
  if (problem) return { status: "Rejected", reason: `"${key}" ${problem}` };
  const normalized = definition.kind === "boolean" ? value.toLowerCase() : value;
  return { status: "Accepted", key, config: new Map(config).set(key, normalized) };
}

function invalidValue(config: Configuration, definition: KeyDefinition, value: string): string | null {
  switch (definition.kind) {
    case "integer":
      return /^\d{1,9}$/.test(value) ? null : `needs a whole number of at least 0, got "${value}"`;
    case "boolean":
      return /^(true|false)$/i.test(value) ? null : `needs true or false, got "${value}"`;
    case "measurands": {
      const items = value === "" ? [] : value.split(",").map((m) => m.trim());
      const unknown = items.find((m) => !(SUPPORTED_MEASURANDS as readonly string[]).includes(m));
      if (unknown !== undefined) return `cannot sample "${unknown}"`;
      const max = definition.maxLengthKey ? configInt(config, definition.maxLengthKey) : Infinity;
      return items.length <= max ? null : `takes at most ${max} measurands`;
    }
    case "secret":
      // Security whitepaper: at least 16 characters; our server takes printable ASCII up to 255.
      return /^[\x21-\x7e]{16,255}$/.test(value) ? null : "needs 16-255 printable ASCII characters";
    case "text":
      return null;
  }
}

export function configInt(config: Configuration, key: string): number {
  return Number(config.get(key) ?? "0");
}

export function configBool(config: Configuration, key: string): boolean {
  return config.get(key) === "true";
}

/** A comma-separated measurand list. */
export function configMeasurands(config: Configuration, key: string): Measurand[] {
  const value = config.get(key) ?? "";
  return value === "" ? [] : value.split(",").map((m) => m.trim() as Measurand);
}
