import { isSecretName, REDACTED } from "../../protocol/ocppj/secret_values.ts";

/** What the store keeps of a configuration or device model value: never a secret (viewers read them). */
export function storedValue(key: string, value: string): string {
  return isSecretName(key) ? REDACTED : value;
}
