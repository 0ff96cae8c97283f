import type { ConfigurationKeyValue } from "../../model/charge_point.ts";
import type { Command } from "./command.ts";
import { storedValue } from "./secrets.ts";

/**
 * OCPP 1.6 §5.8. Asked for everything: the answer is the whole configuration. Asked for some keys: they are
 * merged into what we had. Secret values are kept as "[redacted]".
 */
export const getConfiguration: Command<"GetConfiguration"> = {
  detailedEffect(state, request, response) {
    const reported: ConfigurationKeyValue[] = (response.configurationKey ?? []).map((k) => {
      const entry: ConfigurationKeyValue = { key: k.key, readonly: k.readonly };
      if (k.value !== undefined) entry.value = storedValue(k.key, k.value);
      return entry;
    });
    const asked = request.key ?? [];
    const base = asked.length === 0
      ? []
      : (state.configuration ?? []).filter((k) => !reported.some((r) => r.key === k.key));
    return { configuration: [...base, ...reported].sort((a, b) => a.key.localeCompare(b.key)) };
  },
};
