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
  if (action === "ChangeConfiguration") {
    return SECURITY_KEYS.has(String((payload as { key?: unknown }).key ?? "").toLowerCase());
  }
  if (action === "SetVariables") {
    const data = (payload as {
      setVariableData?: { component?: { name?: unknown }; variable?: { name?: unknown } }[];
    }).setVariableData ?? [];
    return data.some((d) => {
      const component = String(d.component?.name ?? "").toLowerCase();
      const variable = String(d.variable?.name ?? "").toLowerCase();
      // The slot first in the priority is the network profile the station connects with (2.0.1 B09, A05):
      // another CSMS's URL or a lower security profile an admin once stored there.
      return component === "securityctrlr" ||
        (component === "ocppcommctrlr" && variable === "networkconfigurationpriority");
    });
  }
  return false;
}
