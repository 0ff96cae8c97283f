import { isSecretName, REDACTED } from "../../protocol/ocppj/secret_values.ts";

/** What the snapshot keeps of a configuration value: never a secret (viewers read the snapshot). */
export function storedValue(key: string, value: string): string {
  return isSecretName(key) ? REDACTED : value;
}
