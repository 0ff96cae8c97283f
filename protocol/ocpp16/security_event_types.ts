/**
 * The security events a Charge Point may report in SecurityEventNotification, with the whitepaper's
 * criticality (OCPP 1.6 Security Whitepaper ed. 3, Appendix 1 "Security events"). A critical event is one the
 * station pushes at once; we highlight it and put it on the event stream. `type` is a free string of up to 50
 * characters on the wire, so a station may send others (vendor events); those count as not critical.
 */
export const SECURITY_EVENT_CRITICALITY = {
  FirmwareUpdated: true,
  FailedToAuthenticateAtCentralSystem: false,
  CentralSystemFailedToAuthenticate: false,
  SettingSystemTime: true,
  StartupOfTheDevice: true,
  ResetOrReboot: true,
  SecurityLogWasCleared: true,
  ReconfigurationOfSecurityParameters: false,
  MemoryExhaustion: true,
  InvalidMessages: false,
  AttemptedReplayAttacks: false,
  TamperDetectionActivated: true,
  InvalidFirmwareSignature: false,
  InvalidFirmwareSigningCertificate: false,
  InvalidCentralSystemCertificate: false,
  InvalidChargePointCertificate: false,
  InvalidTLSVersion: false,
  InvalidTLSCipherSuite: false,
} as const satisfies Record<string, boolean>;

export type StandardSecurityEventType = keyof typeof SECURITY_EVENT_CRITICALITY;

/**
 * True for the whitepaper's critical events; unknown (vendor) types are not critical.
 *
 * @example
 * ```ts
 * isCriticalSecurityEvent("TamperDetectionActivated"); // true
 * isCriticalSecurityEvent("InvalidMessages"); // false
 * isCriticalSecurityEvent("toString"); // false
 * ```
 */
export function isCriticalSecurityEvent(type: string): boolean {
  return Object.hasOwn(SECURITY_EVENT_CRITICALITY, type) &&
    SECURITY_EVENT_CRITICALITY[type as StandardSecurityEventType];
}
