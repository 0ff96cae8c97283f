/**
 * Commands that change whom a station trusts or how it proves who it is: a root certificate installed (it would
 * then take a rogue Central System's TLS), one deleted, a client certificate chain given, a 2.0.1 network
 * profile (another CSMS URL, a lower security profile) or which stored one it uses
 * (OCPPCommCtrlr.NetworkConfigurationPriority), the station's security profile or any other security setting.
 * Whoever may send one may take the station over, so they need the role that sets its AuthorizationKey: admin.
 * Pure.
 *
 * @example
 * ```ts
 * changesStationTrust("InstallCertificate", {}); // true
 * changesStationTrust("ChangeConfiguration", { key: "securityprofile", value: "0" }); // true
 * changesStationTrust("Reset", { type: "Soft" }); // false
 * ```
 */
import { isPlainObject } from "../protocol/ocppj/frames.ts";

/** Actions that change a station's trust whatever their payload: their routes are admin-only. */
export const TRUST_ACTIONS: ReadonlySet<string> = new Set([
  "InstallCertificate",
  "DeleteCertificate",
  "CertificateSigned",
  "SetNetworkProfile",
]);

/**
 * 1.6 configuration keys of the Security Whitepaper that weaken or move a station's security: its profile, its
 * key, how many roots it may hold, the organization its certificate requests name.
 */
const SECURITY_KEYS = new Set([
  "securityprofile",
  "authorizationkey",
  "additionalrootcertificatecheck",
  "cponame",
]);

export function changesStationTrust(action: string, payload: unknown): boolean {
  if (TRUST_ACTIONS.has(action)) return true;
  // A job's payload is checked against the schemas after this: any JSON may come (null, a string, [null]).
  if (!isPlainObject(payload)) return false;
  if (action === "ChangeConfiguration") return SECURITY_KEYS.has(lowerText(payload.key));
  if (action === "SetVariables") {
    const data = Array.isArray(payload.setVariableData) ? payload.setVariableData : [];
    return data.some((d: unknown) => {
      if (!isPlainObject(d)) return false;
      const component = lowerText(isPlainObject(d.component) ? d.component.name : undefined);
      const variable = lowerText(isPlainObject(d.variable) ? d.variable.name : undefined);
      // The slot first in the priority is the network profile the station connects with (2.0.1 B09, A05):
      // another CSMS's URL or a lower security profile an admin once stored there.
      return component === "securityctrlr" ||
        (component === "ocppcommctrlr" && variable === "networkconfigurationpriority");
    });
  }
  return false;
}

/**
 * A name as lower-case text; anything but a string is no name ("": the schemas refuse it after this). Not
 * `String()`: an object such as `{"toString":1}` throws when turned into text.
 */
function lowerText(value: unknown): string {
  return typeof value === "string" ? value.toLowerCase() : "";
}
