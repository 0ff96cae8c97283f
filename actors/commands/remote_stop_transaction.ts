import { ACCEPTED_STATIONS_ONLY, type Command } from "./command.ts";

/** OCPP 1.6 §5.12: only to an Accepted station (§4.2.1); the answer teaches the snapshot nothing we keep. */
export const remoteStopTransaction: Command<"RemoteStopTransaction"> = { only: ACCEPTED_STATIONS_ONLY };
