import type { Command201 } from "./command.ts";

/** OCPP 2.0.1 D02: the answer is the station's local list version. */
export const getLocalListVersion: Command201<"GetLocalListVersion"> = {
  effect: (_state, _request, response) => ({ localListVersion: response.versionNumber }),
};

/** OCPP 2.0.1 D01: an accepted list has the version we sent. */
export const sendLocalList: Command201<"SendLocalList"> = {
  effect: (_state, request, response) =>
    response.status === "Accepted" ? { localListVersion: request.versionNumber } : null,
};
