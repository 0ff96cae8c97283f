/**
 * OCPP 1.6 enumerations used across the system, spelled as on the wire. The zod schemas in `schemas/` build
 * on these lists, so a value is defined once.
 */
export const CHARGE_POINT_STATUSES = [
  "Available",
  "Preparing",
  "Charging",
  "SuspendedEVSE",
  "SuspendedEV",
  "Finishing",
  "Reserved",
  "Unavailable",
  "Faulted",
] as const;
export type ChargePointStatus = typeof CHARGE_POINT_STATUSES[number];

export const CHARGE_POINT_ERROR_CODES = [
  "ConnectorLockFailure",
  "EVCommunicationError",
  "GroundFailure",
  "HighTemperature",
  "InternalError",
  "LocalListConflict",
  "NoError",
  "OtherError",
  "OverCurrentFailure",
  "PowerMeterFailure",
  "PowerSwitchFailure",
  "ReaderFailure",
  "ResetFailure",
  "UnderVoltage",
  "OverVoltage",
  "WeakSignal",
] as const;
export type ChargePointErrorCode = typeof CHARGE_POINT_ERROR_CODES[number];

export const AUTHORIZATION_STATUSES = ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"] as const;
export type AuthorizationStatus = typeof AUTHORIZATION_STATUSES[number];

export const REGISTRATION_STATUSES = ["Accepted", "Pending", "Rejected"] as const;
export type RegistrationStatus = typeof REGISTRATION_STATUSES[number];

export const STOP_REASONS = [
  "EmergencyStop",
  "EVDisconnected",
  "HardReset",
  "Local",
  "Other",
  "PowerLoss",
  "Reboot",
  "Remote",
  "SoftReset",
  "UnlockCommand",
  "DeAuthorized",
] as const;
export type StopReason = typeof STOP_REASONS[number];

export const READING_CONTEXTS = [
  "Interruption.Begin",
  "Interruption.End",
  "Sample.Clock",
  "Sample.Periodic",
  "Transaction.Begin",
  "Transaction.End",
  "Trigger",
  "Other",
] as const;

export const VALUE_FORMATS = ["Raw", "SignedData"] as const;

export const MEASURANDS = [
  "Energy.Active.Export.Register",
  "Energy.Active.Import.Register",
  "Energy.Reactive.Export.Register",
  "Energy.Reactive.Import.Register",
  "Energy.Active.Export.Interval",
  "Energy.Active.Import.Interval",
  "Energy.Reactive.Export.Interval",
  "Energy.Reactive.Import.Interval",
  "Power.Active.Export",
  "Power.Active.Import",
  "Power.Offered",
  "Power.Reactive.Export",
  "Power.Reactive.Import",
  "Power.Factor",
  "Current.Import",
  "Current.Export",
  "Current.Offered",
  "Voltage",
  "Frequency",
  "Temperature",
  "SoC",
  "RPM",
] as const;

export const PHASES = ["L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"] as const;

export const LOCATIONS = ["Cable", "EV", "Inlet", "Outlet", "Body"] as const;

export const UNITS = [
  "Wh",
  "kWh",
  "varh",
  "kvarh",
  "W",
  "kW",
  "VA",
  "kVA",
  "var",
  "kvar",
  "A",
  "V",
  "K",
  "Celcius",
  "Celsius",
  "Fahrenheit",
  "Percent",
] as const;

/** Defaults the spec gives for an omitted SampledValue field (OCPP 1.6 §7.45). */
export const SAMPLED_VALUE_DEFAULTS = {
  context: "Sample.Periodic",
  format: "Raw",
  measurand: "Energy.Active.Import.Register",
  location: "Outlet",
  unit: "Wh",
} as const;
