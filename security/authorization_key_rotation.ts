/**
 * Rotating a station's AuthorizationKey the OCPP way (Security Whitepaper use case A01; OCPP 2.0.1 A01): the
 * Central System sends the new key (1.6 ChangeConfiguration `AuthorizationKey`, 2.0.1 SetVariables
 * `SecurityCtrlr.BasicAuthPassword`); a station that accepts it reconnects with it, so its hash must be
 * stored by then. Pure: what to send, what an answer says the station did with it, and the pending keys (sent,
 * their acceptance not known yet) a record keeps until a handshake or an answer settles them.
 */
import type { PendingAuthorizationKey, StationSecurityRecord } from "../store/station_security.ts";

/** Pending keys a station record keeps at most (the oldest goes first): rotations tried while unanswered. */
export const MAX_PENDING_KEYS = 3;

/**
 * What the gate can take as an AuthorizationKey (OCPP 1.6 Security Whitepaper: at least 16 characters):
 * 16 to 255 printable ASCII characters, as the API's PATCH allows.
 */
export const AUTHORIZATION_KEY_PATTERN = /^[\x21-\x7e]{16,255}$/;

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
 * What a station did with the key `request` gave it, by its answer: "accepted" (it reconnects with it),
 * "afterReboot" (RebootRequired: it will, once rebooted) or "refused"; null when `request` gives no key.
 */
export function keyAnswer(
  action: string,
  request: unknown,
  response: unknown,
): "accepted" | "afterReboot" | "refused" | null {
  if (keySent(action, request) === null) return null;
  const status = action === "ChangeConfiguration"
    ? (response as { status?: string }).status
    : ((response as { setVariableResult?: SetVariableResult[] }).setVariableResult ?? [])
      .findLast(isBasicAuthPassword)?.attributeStatus;
  return status === "Accepted" ? "accepted" : status === "RebootRequired" ? "afterReboot" : "refused";
}

/**
 * The AuthorizationKey a command gives the station, or null when it sets none (whoever may send one may make
 * the station's key). Names match whatever their case: a 1.6 configuration key is a CiString.
 */
export function keySent(action: string, payload: unknown): string | null {
  if (action === "ChangeConfiguration") {
    const { key, value } = payload as { key?: string; value?: string };
    return key?.toLowerCase() === "authorizationkey" && typeof value === "string" ? value : null;
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
  return v.component.name.toLowerCase() === "securityctrlr" &&
    v.variable.name.toLowerCase() === "basicauthpassword" && (v.attributeType ?? "Actual") === "Actual";
}

/** `pending` with the key `hash` (stored at `since`) added last, the oldest dropped beyond MAX_PENDING_KEYS. */
export function withPendingKey(
  pending: readonly PendingAuthorizationKey[] | undefined,
  hash: string,
  since: string,
): PendingAuthorizationKey[] {
  return [...(pending ?? []).filter((p) => p.hash !== hash), { hash, since }].slice(-MAX_PENDING_KEYS);
}

/**
 * The record once the pending key `hash` is settled, or undefined when it is not pending (settled already: a
 * station that took it reconnected with it before its answer was read; or an operator set a key since).
 * Taken (accepted, or a station connected with it): it is the key, and the keys sent before it are over (the
 * station took a later one); keys sent after it stay pending. Not taken: it alone is forgotten.
 *
 * @example
 * ```ts
 * const stored = { chargePointId: "CP-1", securityProfile: 1 as const, authorizationKeyHash: "old",
 *   pendingAuthorizationKeys: [{ hash: "new", since: "t0" }], allowedIps: [], updatedBy: "user:root",
 *   createdAt: "t0", updatedAt: "t0" };
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
  const pending = stored?.pendingAuthorizationKeys ?? [];
  const index = pending.findIndex((p) => p.hash === hash);
  if (!stored || index < 0) return undefined;
  const left = taken ? pending.slice(index + 1) : pending.filter((_, i) => i !== index);
  const { pendingAuthorizationKeys: _settled, ...rest } = stored;
  return {
    ...rest,
    ...(taken ? { authorizationKeyHash: hash } : {}),
    ...(left.length > 0 ? { pendingAuthorizationKeys: left } : {}),
    updatedBy: by,
    updatedAt: at,
  };
}
