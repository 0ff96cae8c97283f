/**
 * OCPP 1.6 enumerations used across the system, spelled as on the wire. The action schemas beside this file
 * build on these lists, so a value is defined once.
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

export type ReadingContext = typeof READING_CONTEXTS[number];
export type ValueFormat = typeof VALUE_FORMATS[number];
export type Measurand = typeof MEASURANDS[number];
export type Phase = typeof PHASES[number];
export type Location = typeof LOCATIONS[number];
export type UnitOfMeasure = typeof UNITS[number];

/** Statuses that only say yes or no (CancelReservation, ClearCache, RemoteStart/Stop, Reset, ...). */
export const GENERIC_STATUSES = ["Accepted", "Rejected"] as const;

export const AVAILABILITY_TYPES = ["Inoperative", "Operative"] as const;
export const AVAILABILITY_STATUSES = ["Accepted", "Rejected", "Scheduled"] as const;
export const CONFIGURATION_STATUSES = ["Accepted", "Rejected", "RebootRequired", "NotSupported"] as const;
export const CLEAR_CHARGING_PROFILE_STATUSES = ["Accepted", "Unknown"] as const;
export const DATA_TRANSFER_STATUSES = [
  "Accepted",
  "Rejected",
  "UnknownMessageId",
  "UnknownVendorId",
] as const;
export const DIAGNOSTICS_STATUSES = ["Idle", "Uploaded", "UploadFailed", "Uploading"] as const;
export const FIRMWARE_STATUSES = [
  "Downloaded",
  "DownloadFailed",
  "Downloading",
  "Idle",
  "InstallationFailed",
  "Installing",
  "Installed",
] as const;
export const RESERVATION_STATUSES = ["Accepted", "Faulted", "Occupied", "Rejected", "Unavailable"] as const;
export const RESET_TYPES = ["Hard", "Soft"] as const;
export const UPDATE_TYPES = ["Differential", "Full"] as const;
export const UPDATE_STATUSES = ["Accepted", "Failed", "NotSupported", "VersionMismatch"] as const;
export const CHARGING_PROFILE_STATUSES = ["Accepted", "Rejected", "NotSupported"] as const;
export const MESSAGE_TRIGGERS = [
  "BootNotification",
  "DiagnosticsStatusNotification",
  "FirmwareStatusNotification",
  "Heartbeat",
  "MeterValues",
  "StatusNotification",
] as const;
export const TRIGGER_MESSAGE_STATUSES = ["Accepted", "Rejected", "NotImplemented"] as const;
export const UNLOCK_STATUSES = ["Unlocked", "UnlockFailed", "NotSupported"] as const;

export const CHARGING_PROFILE_PURPOSES = ["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"] as const;
export const CHARGING_PROFILE_KINDS = ["Absolute", "Recurring", "Relative"] as const;
export const RECURRENCY_KINDS = ["Daily", "Weekly"] as const;
export const CHARGING_RATE_UNITS = ["A", "W"] as const;

export type AvailabilityType = typeof AVAILABILITY_TYPES[number];
export type ResetType = typeof RESET_TYPES[number];
export type MessageTrigger = typeof MESSAGE_TRIGGERS[number];
export type ChargingProfilePurpose = typeof CHARGING_PROFILE_PURPOSES[number];
export type ChargingProfileKind = typeof CHARGING_PROFILE_KINDS[number];
export type RecurrencyKind = typeof RECURRENCY_KINDS[number];
export type ChargingRateUnit = typeof CHARGING_RATE_UNITS[number];

// OCPP 1.6 Security extension (Security Whitepaper ed. 3 §6 "Datatypes"), in the official JSON schemas' order.

/** CertificateUseEnumType: which root certificates InstallCertificate / GetInstalledCertificateIds mean. */
export const CERTIFICATE_USES = ["CentralSystemRootCertificate", "ManufacturerRootCertificate"] as const;
export const HASH_ALGORITHMS = ["SHA256", "SHA384", "SHA512"] as const;
export const CERTIFICATE_SIGNED_STATUSES = ["Accepted", "Rejected"] as const;
export const INSTALL_CERTIFICATE_STATUSES = ["Accepted", "Failed", "Rejected"] as const;
export const DELETE_CERTIFICATE_STATUSES = ["Accepted", "Failed", "NotFound"] as const;
export const GET_INSTALLED_CERTIFICATE_STATUSES = ["Accepted", "NotFound"] as const;
/** MessageTriggerEnumType of ExtendedTriggerMessage: the core triggers plus the security ones. */
export const EXTENDED_MESSAGE_TRIGGERS = [
  "BootNotification",
  "LogStatusNotification",
  "FirmwareStatusNotification",
  "Heartbeat",
  "MeterValues",
  "SignChargePointCertificate",
  "StatusNotification",
] as const;
export const LOG_TYPES = ["DiagnosticsLog", "SecurityLog"] as const;
export const LOG_STATUSES = ["Accepted", "Rejected", "AcceptedCanceled"] as const;
export const UPLOAD_LOG_STATUSES = [
  "BadMessage",
  "Idle",
  "NotSupportedOperation",
  "PermissionDenied",
  "Uploaded",
  "UploadFailure",
  "Uploading",
] as const;
export const SIGNED_FIRMWARE_STATUSES = [
  "Downloaded",
  "DownloadFailed",
  "Downloading",
  "DownloadScheduled",
  "DownloadPaused",
  "Idle",
  "InstallationFailed",
  "Installing",
  "Installed",
  "InstallRebooting",
  "InstallScheduled",
  "InstallVerificationFailed",
  "InvalidSignature",
  "SignatureVerified",
] as const;
export const SIGNED_UPDATE_FIRMWARE_STATUSES = [
  "Accepted",
  "Rejected",
  "AcceptedCanceled",
  "InvalidCertificate",
  "RevokedCertificate",
] as const;

export type CertificateUse = typeof CERTIFICATE_USES[number];
export type HashAlgorithm = typeof HASH_ALGORITHMS[number];
export type ExtendedMessageTrigger = typeof EXTENDED_MESSAGE_TRIGGERS[number];
export type LogType = typeof LOG_TYPES[number];
export type UploadLogStatus = typeof UPLOAD_LOG_STATUSES[number];
export type SignedFirmwareStatus = typeof SIGNED_FIRMWARE_STATUSES[number];
