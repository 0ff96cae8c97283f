/**
 * Secret values in OCPP payloads: the AuthorizationKey a Central System sends with ChangeConfiguration, any
 * configuration key or field whose name says key, password or secret, and the value of an OCPP 2.0.1
 * variable whose name says so (`SecurityCtrlr.BasicAuthPassword` in SetVariables, GetVariables' answer, a
 * NotifyReport, a NotifyEvent), and the token of this server's upload and firmware URLs. They are replaced by REDACTED
 * before a payload is stored (command log, configuration snapshot, device model), logged or put in the frame
 * log.
 *
 * @example
 * ```ts
 * redactSecrets({ key: "AuthorizationKey", value: "0123456789abcdef" }); // { key: "AuthorizationKey", value: "[redacted]" }
 * redactSecrets({ key: "HeartbeatInterval", value: "300" }); // unchanged (the same object)
 * isSecretName("GetConfigurationMaxKeys"); // false
 * ```
 */

export const REDACTED = "[redacted]";

/**
 * Structural OCPP fields whose names contain "key" but that hold no secret: key *names*, and the Security
 * extension's `issuerKeyHash` (a hash of a CA's public key, needed to name a certificate in DeleteCertificate).
 */
const KEY_NAME_FIELDS = new Set(["key", "unknownKey", "configurationKey", "issuerKeyHash"]);

/**
 * Where OCPP 2.0.1 puts the value of the `variable` beside it: SetVariableData and GetVariableResult
 * (`attributeValue`), a NotifyEvent's EventData (`actualValue`: a monitor on the password reports the new
 * one), a NotifyReport's ReportData (`variableAttribute[].value`) and our device model entry
 * (`attributes[].value`).
 */
const VARIABLE_VALUE_FIELDS = new Set(["attributeValue", "actualValue"]);
const VARIABLE_ATTRIBUTE_LISTS = new Set(["variableAttribute", "attributes"]);

/**
 * Names OCPP defines that say "key" but hold no secret: OCPP 2.0.1's `PublicKeyWithSignedMeterValue` (whether
 * the meter's public key goes with signed meter values: Never, OncePerTransaction, EveryMeterValue).
 */
const NOT_SECRET_NAMES = new Set(["PublicKeyWithSignedMeterValue"]);

const SECRET_WORDS = new Set(["key", "password", "passwd", "pwd", "secret", "passphrase", "pin"]);

/**
 * Objects whose `key` field is a secret, not a key name: OCPP 2.0.1's VPNType (SetNetworkProfile's
 * `connectionData.vpn.key`, the VPN's shared key).
 */
const SECRET_KEY_PARENTS = new Set(["vpn"]);

/**
 * True for a name that says it holds a secret: a word key/password/secret/credential/pin in it
 * (`AuthorizationKey`, `WifiPassword`, `mqtt_secret`, `BackendCredentials`, 2.0.1's `simPin`), or ending in
 * "key" (`APIKEY`); plurals such as `GetConfigurationMaxKeys` are counts, not secrets.
 */
export function isSecretName(name: string): boolean {
  if (NOT_SECRET_NAMES.has(name)) return false;
  const lower = name.toLowerCase();
  if (/password|passwd|secret|credential/.test(lower) || lower.endsWith("key")) return true;
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

/**
 * `value` with every secret replaced by REDACTED: the `value` of a `{ key, value }` pair whose key is a secret
 * name (ChangeConfiguration.req, GetConfiguration.conf entries), and every string or number property whose own
 * name is one. Returns `value` itself when there is nothing to redact, else a copy (the input is not changed).
 */
export function redactSecrets<T>(value: T): T {
  return redact(value, 0) as T;
}

/**
 * Deeper than any OCPP payload: a part nested deeper is hidden whole rather than walked (a station can send
 * 30,000 nested arrays in one frame, which would overflow the stack).
 */
const MAX_DEPTH = 32;

function redact(value: unknown, depth: number, field = ""): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    value.forEach((item, i) => {
      const next = redact(item, depth + 1);
      if (next !== item) (out ??= [...value])[i] = next;
    });
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  const pairIsSecret = typeof record.key === "string" && isSecretName(record.key);
  const variableIsSecret = isSecretVariable(record.variable);
  const keyIsSecret = SECRET_KEY_PARENTS.has(field);
  for (const [name, item] of Object.entries(record)) {
    let next = variableIsSecret && VARIABLE_ATTRIBUTE_LISTS.has(name) && Array.isArray(item)
      ? redact(item.map(withoutValue), depth + 1)
      : redact(item, depth + 1, name);
    const primitive = typeof item === "string" || typeof item === "number";
    if (primitive && item !== REDACTED) {
      if (
        (pairIsSecret && name === "value") || (variableIsSecret && VARIABLE_VALUE_FIELDS.has(name)) ||
        (keyIsSecret && name === "key") || (!KEY_NAME_FIELDS.has(name) && isSecretName(name))
      ) {
        next = REDACTED;
      } else if (typeof item === "string") {
        next = withoutUrlTokens(item);
      }
    }
    if (next !== item) {
      out ??= { ...record };
      // defineProperty: a key named "__proto__" (JSON.parse makes it an own property) stays a plain key.
      Object.defineProperty(out, name, { value: next, enumerable: true, writable: true, configurable: true });
    }
  }
  return out ?? value;
}

/**
 * This server's one-time upload URLs and firmware download URLs are capabilities (whoever has one may upload a
 * station's log, or fetch an image): their token is a secret like a key, wherever the URL appears.
 */
const URL_TOKEN = /(\/files\/(?:upload|firmware)\/[^/\s"?#]+\/)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

/** `text` with the tokens of this server's file URLs redacted; the text itself when it holds none. */
export function withoutUrlTokens(text: string): string {
  return text.includes("/files/") ? text.replace(URL_TOKEN, `$1${REDACTED}`) : text;
}

/** An OCPP 2.0.1 VariableType (`{ name, instance? }`) whose name says it holds a secret. */
function isSecretVariable(variable: unknown): boolean {
  if (variable === null || typeof variable !== "object") return false;
  const name = (variable as Record<string, unknown>).name;
  return typeof name === "string" && isSecretName(name);
}

/** A variable attribute with its value hidden (the item itself when it has no value to hide). */
function withoutValue(attribute: unknown): unknown {
  if (attribute === null || typeof attribute !== "object" || Array.isArray(attribute)) return attribute;
  const value = (attribute as Record<string, unknown>).value;
  if ((typeof value !== "string" && typeof value !== "number") || value === REDACTED) return attribute;
  return { ...(attribute as Record<string, unknown>), value: REDACTED };
}

/**
 * An OCPP-J frame's text with its secrets redacted; the text itself when it holds none. A frame that is not
 * JSON but names a secret is replaced by a note, since what it holds cannot be told apart.
 */
export function redactFrameText(text: string): string {
  // Most frames name nothing secret-looking: no parse for them. One with a JSON escape may spell a name in
  // escapes (`BasicAuthPa\u0073sword`), so it is parsed too.
  if (!/key|password|passwd|pwd|secret|passphrase|credential|pin|\/files\/|\\u/i.test(text)) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `[unreadable frame of ${text.length} characters, hidden: it may hold a secret]`;
  }
  const redacted = redact(parsed, 0);
  return redacted === parsed ? text : JSON.stringify(redacted);
}
