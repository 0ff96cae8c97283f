import type { Command } from "./command.ts";

/** OCPP 1.6 §5.10: the station's local authorization list version. */
export const getLocalListVersion: Command<"GetLocalListVersion"> = {
  effect: (_state, _request, response) => ({ localListVersion: response.listVersion }),
};
