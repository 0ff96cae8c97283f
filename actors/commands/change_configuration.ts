import type { ConfigurationKeyValue } from "../../model/charge_point.ts";
import type { Command } from "./command.ts";
import { storedValue } from "./secrets.ts";

/**
 * OCPP 1.6 §5.3. An accepted change (or one that needs a reboot) is kept in the stored configuration (a
 * secret value as "[redacted]").
 */
export const changeConfiguration: Command<"ChangeConfiguration"> = {
  detailedEffect(state, request, response) {
    if (response.status !== "Accepted" && response.status !== "RebootRequired") return null;
    const current = state.configuration ?? [];
    const existing = current.find((k) => k.key === request.key);
    const updated: ConfigurationKeyValue = {
      key: request.key,
      readonly: existing?.readonly ?? false,
      value: storedValue(request.key, request.value),
    };
    return {
      configuration: [...current.filter((k) => k.key !== request.key), updated].sort((a, b) =>
        a.key.localeCompare(b.key)
      ),
    };
  },
};
