/**
 * Rotating a station's AuthorizationKey the OCPP way (Security Whitepaper use case A01; OCPP 2.0.1 A01): the
 * Central System sends the new key (1.6 ChangeConfiguration `AuthorizationKey`, 2.0.1 SetVariables
 * `SecurityCtrlr.BasicAuthPassword`); a station that accepts it reconnects with it, so its hash must be
 * stored by then. Pure: what to send, which key an answer says the station took, and how a pending key (sent,
 * its acceptance not known yet) is settled.
 */
import type { StationSecurityRecord } from "../store/station_security.ts";

/** 20 random bytes as 40 hex characters, the largest AuthorizationKey the whitepaper describes. */
export function newAuthorizationKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The command that gives a station of `ocppVersion` (its subprotocol) the key `key`. */
export function keyDelivery(ocppVersion: string, key: string): { action: string; payload: unknown } {
  if (ocppVersion === "ocpp2.0.1") {
    return {
      action: "SetVariables",
      payload: { setVariableData: [{ ...BASIC_AUTH_PASSWORD, attributeValue: key }] },
    };
  }
  return { action: "ChangeConfiguration", payload: { key: "AuthorizationKey", value: key } };
}

const BASIC_AUTH_PASSWORD = { component: { name: "SecurityCtrlr" }, variable: { name: "BasicAuthPassword" } };

/**
 * The key a station now uses, when `request` gave it one and `response` accepted it; else null. Only
 * "Accepted": a key that waits for a reboot (RebootRequired) is not the one the station reconnects with yet.
 */
export function keyAccepted(action: string, request: unknown, response: unknown): string | null {
  const sent = keySent(action, request);
  if (sent === null) return null;
  if (action === "ChangeConfiguration") {
    return (response as { status?: string }).status === "Accepted" ? sent : null;
  }
  const results = (response as { setVariableResult?: SetVariableResult[] }).setVariableResult ?? [];
  return results.findLast(isBasicAuthPassword)?.attributeStatus === "Accepted" ? sent : null;
}

/**
 * The AuthorizationKey a command gives the station, or null when it sets none (whoever may send one may make
 * the station's key).
 */
export function keySent(action: string, payload: unknown): string | null {
  if (action === "ChangeConfiguration") {
    const { key, value } = payload as { key?: string; value?: string };
    return key === "AuthorizationKey" && typeof value === "string" ? value : null;
  }
  if (action === "SetVariables") {
    const data = (payload as { setVariableData?: SetVariable[] }).setVariableData ?? [];
    return data.findLast(isBasicAuthPassword)?.attributeValue ?? null;
  }
  return null;
}

interface NamedVariable {
  component: { name: string; instance?: string };
  variable: { name: string; instance?: string };
  attributeType?: string;
}
interface SetVariable extends NamedVariable {
  attributeValue: string;
}
interface SetVariableResult extends NamedVariable {
  attributeStatus: string;
}

function isBasicAuthPassword(v: NamedVariable): boolean {
  return v.component.name === "SecurityCtrlr" && v.variable.name === "BasicAuthPassword" &&
    (v.attributeType ?? "Actual") === "Actual";
}

/**
 * The record once the pending key `hash` is settled, or undefined when there is nothing to write.
 *
 * Taken (the station accepted it, or connected with it): it becomes the key, also when another generated key
 * is pending by now (that one stays pending: the station holds `hash`, whatever was sent after). Nothing
 * changes when no key is pending any more: it was settled already (the station reconnected with it before its
 * answer was read), or an operator set a key since. Not taken: it is forgotten if it is still the pending one.
 *
 * @example
 * ```ts
 * const stored = { chargePointId: "CP-1", securityProfile: 1 as const, authorizationKeyHash: "old",
 *   pendingAuthorizationKeyHash: "new", allowedIps: [], updatedBy: "user:root", createdAt: "t0", updatedAt: "t0" };
 * withPendingKeySettled(stored, "new", true, "station", "t1")?.authorizationKeyHash; // "new"
 * ```
 */
export function withPendingKeySettled(
  stored: StationSecurityRecord | null,
  hash: string,
  taken: boolean,
  by: string,
  at: string,
): StationSecurityRecord | undefined {
  if (stored?.pendingAuthorizationKeyHash === undefined) return undefined;
  const ours = stored.pendingAuthorizationKeyHash === hash;
  if (!ours && !taken) return undefined;
  const { pendingAuthorizationKeyHash: _settled, ...rest } = stored;
  return {
    ...(ours ? rest : stored),
    ...(taken ? { authorizationKeyHash: hash } : {}),
    updatedBy: by,
    updatedAt: at,
  };
}
