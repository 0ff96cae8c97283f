/**
 * The numbers of an OCPP 1.6 command (core and Security extension) that the official JSON schemas leave as any
 * integer but the spec's field tables bound: a connector is 0 (the whole station) or counts from 1, and from 1
 * where a physical connector is meant (RemoteStartTransaction §6.33 "SHALL be > 0", UnlockConnector §6.51);
 * retries, intervals, a duration, a list version and the ids the Central System gives are not negative. A
 * station fed -1 answers anything, and what its answer teaches would be recorded: the API and jobs refuse
 * such a command before it is sent (400). OCPP 2.0.1's commands likewise (`commandBoundsProblem201`): EVSE and
 * connector ids are not negative, and a physical one counts from 1 where one is meant (RequestStartTransaction:
 * "evseId SHALL be > 0"; UnlockConnector); ids, retries and durations are not negative. Pure: the caller maps
 * the problem to its error.
 *
 * @example
 * ```ts
 * import { commandBoundsProblem16 } from "./bounds.ts";
 * commandBoundsProblem16("ChangeAvailability", { connectorId: -1, type: "Operative" })?.field; // "connectorId"
 * commandBoundsProblem16("ChangeAvailability", { connectorId: 0, type: "Operative" }); // null
 * commandBoundsProblem201("TriggerMessage", { requestedMessage: "Heartbeat", evse: { id: -1 } })?.field; // "evse.id"
 * ```
 */
import { MAX_CONNECTOR_ID } from "../handlers/bounds.ts";

/** The first field out of range, with a sentence saying why. */
export interface BoundsProblem {
  field: string;
  message: string;
}

/** A field (a dotted path into the payload), its least value and its greatest. */
type Bound = readonly [field: string, min: 0 | 1, max?: number];

const CONNECTOR_FROM_0: Bound = ["connectorId", 0, MAX_CONNECTOR_ID];
const CONNECTOR_FROM_1: Bound = ["connectorId", 1, MAX_CONNECTOR_ID];

const BOUNDS: Record<string, readonly Bound[]> = {
  CancelReservation: [["reservationId", 0]],
  ChangeAvailability: [CONNECTOR_FROM_0],
  ClearChargingProfile: [["id", 0], CONNECTOR_FROM_0, ["stackLevel", 0]],
  GetCompositeSchedule: [CONNECTOR_FROM_0, ["duration", 0]],
  GetDiagnostics: [["retries", 0], ["retryInterval", 0]],
  GetLog: [["requestId", 0], ["retries", 0], ["retryInterval", 0]],
  RemoteStartTransaction: [CONNECTOR_FROM_1],
  RemoteStopTransaction: [["transactionId", 0]],
  ReserveNow: [CONNECTOR_FROM_0, ["reservationId", 0]],
  SendLocalList: [["listVersion", 0]],
  SignedUpdateFirmware: [["requestId", 0], ["retries", 0], ["retryInterval", 0]],
  TriggerMessage: [CONNECTOR_FROM_0],
  ExtendedTriggerMessage: [CONNECTOR_FROM_0],
  UnlockConnector: [CONNECTOR_FROM_1],
  UpdateFirmware: [["retries", 0], ["retryInterval", 0]],
};

const EVSE_ID_FROM_0: Bound = ["evseId", 0];

const BOUNDS_201: Record<string, readonly Bound[]> = {
  CancelReservation: [["reservationId", 0]],
  ChangeAvailability: [["evse.id", 0], ["evse.connectorId", 1]],
  ClearChargingProfile: [
    ["chargingProfileId", 0],
    ["chargingProfileCriteria.evseId", 0],
    ["chargingProfileCriteria.stackLevel", 0],
  ],
  GetBaseReport: [["requestId", 0]],
  GetChargingProfiles: [["requestId", 0], EVSE_ID_FROM_0],
  GetCompositeSchedule: [EVSE_ID_FROM_0, ["duration", 0]],
  GetLog: [["requestId", 0], ["retries", 0], ["retryInterval", 0]],
  GetReport: [["requestId", 0]],
  RequestStartTransaction: [["evseId", 1], ["remoteStartId", 0]],
  ReserveNow: [["id", 0], EVSE_ID_FROM_0],
  Reset: [EVSE_ID_FROM_0],
  SendLocalList: [["versionNumber", 0]],
  SetChargingProfile: [EVSE_ID_FROM_0, ["chargingProfile.id", 0], ["chargingProfile.stackLevel", 0]],
  SetNetworkProfile: [["configurationSlot", 0], ["connectionData.messageTimeout", 0]],
  TriggerMessage: [["evse.id", 0], ["evse.connectorId", 1]],
  UnlockConnector: [["evseId", 1], ["connectorId", 1]],
  UpdateFirmware: [["requestId", 0], ["retries", 0], ["retryInterval", 0]],
};

/** The first number of an OCPP 1.6 command's payload out of its range, or null (an optional one absent: fine). */
export function commandBoundsProblem16(action: string, payload: unknown): BoundsProblem | null {
  return boundsProblem(BOUNDS[action], action, payload, "a connector, not the whole station");
}

/** The first number of an OCPP 2.0.1 command's payload out of its range, or null. */
export function commandBoundsProblem201(action: string, payload: unknown): BoundsProblem | null {
  return boundsProblem(BOUNDS_201[action], action, payload, "an EVSE or connector, not the whole station");
}

function boundsProblem(
  bounds: readonly Bound[] | undefined,
  action: string,
  payload: unknown,
  fromOne: string,
): BoundsProblem | null {
  if (bounds === undefined) return null;
  for (const [field, min, max] of bounds) {
    const value = field.split(".").reduce<unknown>(
      (
        at,
        name,
      ) => (typeof at === "object" && at !== null ? (at as Record<string, unknown>)[name] : undefined),
      payload,
    );
    if (typeof value !== "number") continue;
    if (value < min) {
      const floor = min === 0 ? "0 or more" : `1 or more (${fromOne})`;
      return { field, message: `Field "${field}" of ${action} must be ${floor}, got ${value}` };
    }
    if (max !== undefined && value > max) {
      return { field, message: `Field "${field}" of ${action} must be at most ${max}, got ${value}` };
    }
  }
  return null;
}
