/**
 * The start-up warning for a server anyone can impersonate stations on: listening beyond loopback (or on
 * loopback behind a proxy, TRUSTED_PROXIES, which forwards stations from wherever they are) while
 * unknown stations need no credentials (SECURITY_PROFILE 0) and are accepted at once (REGISTRATION_POLICY
 * Accepted). Anyone who can reach the port may then connect as any charge point id, replace the real station
 * and receive its commands.
 *
 * @example
 * ```ts
 * exposureWarning({ hostname: "0.0.0.0", defaultProfile: 0, registrationPolicy: "Accepted" }); // a sentence
 * exposureWarning({ hostname: "127.0.0.1", defaultProfile: 0, registrationPolicy: "Accepted" }); // null
 * exposureWarning({ hostname: "127.0.0.1", behindProxy: true, defaultProfile: 0, registrationPolicy: "Accepted" }); // a sentence
 * ```
 */
import { parseIp } from "./ip_list.ts";

export interface ExposureSettings {
  hostname: string;
  /** TRUSTED_PROXIES is set: a proxy brings stations in from beyond this machine. */
  behindProxy?: boolean;
  defaultProfile: 0 | 1 | 2 | 3;
  registrationPolicy: "Accepted" | "Pending" | "Rejected";
}

/** True for a listen address only this machine can reach. */
export function isLoopback(hostname: string): boolean {
  if (hostname === "localhost") return true;
  const bytes = parseIp(hostname);
  if (!bytes) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

/** The warning to log, or null when the settings are safe enough. */
export function exposureWarning(settings: ExposureSettings): string | null {
  const local = isLoopback(settings.hostname);
  if (local && !settings.behindProxy) return null;
  if (settings.defaultProfile !== 0 || settings.registrationPolicy !== "Accepted") return null;
  // A proxy does not authenticate stations: it forwards whoever reaches it.
  const where = local
    ? `Listening on ${settings.hostname} behind a proxy (TRUSTED_PROXIES)`
    : `Listening on ${settings.hostname}`;
  const reach = local ? "the proxy" : "this port";
  return `${where} with SECURITY_PROFILE=0 and REGISTRATION_POLICY=Accepted: anyone who reaches ${reach} ` +
    "can connect as any charge point id, replace a real station and receive its commands. Set " +
    "SECURITY_PROFILE (1-3, per station in the API) or REGISTRATION_POLICY=Pending (README: Running it safely).";
}
