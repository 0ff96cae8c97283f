/**
 * The one OCPP 1.6 action table: for each action, its request and response schemas and who may send it.
 * Schemas are module-level singletons shared by every connection (no per-call copies).
 */
import type { z } from "zod";
import * as s from "./schemas/mod.ts";

/** Who sends the CALL: the Charge Point (`CpToCs`) or the Central System (`CsToCp`). */
export type Direction = "CpToCs" | "CsToCp";

export interface ActionDefinition {
  readonly request: z.ZodTypeAny;
  readonly response: z.ZodTypeAny;
  readonly directions: readonly Direction[];
}

const CP = ["CpToCs"] as const;
const CS = ["CsToCp"] as const;

/**
 * Every OCPP 1.6 action (OCPP 1.6 §4 and §5), core and optional profiles. The Security extension is not here.
 *
 * @example
 * ```ts
 * const parsed = ACTIONS.Heartbeat.request.safeParse({});
 * // parsed.success === true
 * ```
 */
export const ACTIONS = {
  Authorize: { request: s.AuthorizeRequest, response: s.AuthorizeResponse, directions: CP },
  BootNotification: {
    request: s.BootNotificationRequest,
    response: s.BootNotificationResponse,
    directions: CP,
  },
  CancelReservation: {
    request: s.CancelReservationRequest,
    response: s.CancelReservationResponse,
    directions: CS,
  },
  ChangeAvailability: {
    request: s.ChangeAvailabilityRequest,
    response: s.ChangeAvailabilityResponse,
    directions: CS,
  },
  ChangeConfiguration: {
    request: s.ChangeConfigurationRequest,
    response: s.ChangeConfigurationResponse,
    directions: CS,
  },
  ClearCache: { request: s.ClearCacheRequest, response: s.ClearCacheResponse, directions: CS },
  ClearChargingProfile: {
    request: s.ClearChargingProfileRequest,
    response: s.ClearChargingProfileResponse,
    directions: CS,
  },
  DataTransfer: {
    request: s.DataTransferRequest,
    response: s.DataTransferResponse,
    directions: ["CpToCs", "CsToCp"] as const,
  },
  DiagnosticsStatusNotification: {
    request: s.DiagnosticsStatusNotificationRequest,
    response: s.DiagnosticsStatusNotificationResponse,
    directions: CP,
  },
  FirmwareStatusNotification: {
    request: s.FirmwareStatusNotificationRequest,
    response: s.FirmwareStatusNotificationResponse,
    directions: CP,
  },
  GetCompositeSchedule: {
    request: s.GetCompositeScheduleRequest,
    response: s.GetCompositeScheduleResponse,
    directions: CS,
  },
  GetConfiguration: {
    request: s.GetConfigurationRequest,
    response: s.GetConfigurationResponse,
    directions: CS,
  },
  GetDiagnostics: { request: s.GetDiagnosticsRequest, response: s.GetDiagnosticsResponse, directions: CS },
  GetLocalListVersion: {
    request: s.GetLocalListVersionRequest,
    response: s.GetLocalListVersionResponse,
    directions: CS,
  },
  Heartbeat: { request: s.HeartbeatRequest, response: s.HeartbeatResponse, directions: CP },
  MeterValues: { request: s.MeterValuesRequest, response: s.MeterValuesResponse, directions: CP },
  RemoteStartTransaction: {
    request: s.RemoteStartTransactionRequest,
    response: s.RemoteStartTransactionResponse,
    directions: CS,
  },
  RemoteStopTransaction: {
    request: s.RemoteStopTransactionRequest,
    response: s.RemoteStopTransactionResponse,
    directions: CS,
  },
  ReserveNow: { request: s.ReserveNowRequest, response: s.ReserveNowResponse, directions: CS },
  Reset: { request: s.ResetRequest, response: s.ResetResponse, directions: CS },
  SendLocalList: { request: s.SendLocalListRequest, response: s.SendLocalListResponse, directions: CS },
  SetChargingProfile: {
    request: s.SetChargingProfileRequest,
    response: s.SetChargingProfileResponse,
    directions: CS,
  },
  StartTransaction: {
    request: s.StartTransactionRequest,
    response: s.StartTransactionResponse,
    directions: CP,
  },
  StatusNotification: {
    request: s.StatusNotificationRequest,
    response: s.StatusNotificationResponse,
    directions: CP,
  },
  StopTransaction: { request: s.StopTransactionRequest, response: s.StopTransactionResponse, directions: CP },
  TriggerMessage: { request: s.TriggerMessageRequest, response: s.TriggerMessageResponse, directions: CS },
  UnlockConnector: { request: s.UnlockConnectorRequest, response: s.UnlockConnectorResponse, directions: CS },
  UpdateFirmware: { request: s.UpdateFirmwareRequest, response: s.UpdateFirmwareResponse, directions: CS },
} as const satisfies Record<string, ActionDefinition>;

type Table = typeof ACTIONS;

/** Any OCPP 1.6 action name. */
export type Action = keyof Table;

/** Actions a Charge Point may send to us (we answer them). */
export type CpToCsAction = {
  [A in Action]: "CpToCs" extends Table[A]["directions"][number] ? A : never;
}[Action];

/** Actions we may send to a Charge Point (it answers them). */
export type CsToCpAction = {
  [A in Action]: "CsToCp" extends Table[A]["directions"][number] ? A : never;
}[Action];

/** The parsed request payload of action `A`. */
export type RequestOf<A extends Action> = z.output<Table[A]["request"]>;

/** The parsed response payload of action `A`. */
export type ResponseOf<A extends Action> = z.output<Table[A]["response"]>;

/** Every action name, in table order. */
export const ALL_ACTIONS: readonly Action[] = Object.keys(ACTIONS) as Action[];

/** Actions a Charge Point may send, in table order. */
export const CP_TO_CS_ACTIONS: readonly CpToCsAction[] = ALL_ACTIONS.filter((a): a is CpToCsAction =>
  (ACTIONS[a].directions as readonly Direction[]).includes("CpToCs")
);

/** Actions the Central System may send, in table order. */
export const CS_TO_CP_ACTIONS: readonly CsToCpAction[] = ALL_ACTIONS.filter((a): a is CsToCpAction =>
  (ACTIONS[a].directions as readonly Direction[]).includes("CsToCp")
);

const CP_TO_CS = new Set<string>(CP_TO_CS_ACTIONS);
const CS_TO_CP = new Set<string>(CS_TO_CP_ACTIONS);

/**
 * True for any OCPP 1.6 action name, spelled exactly as on the wire (`"toString"` is not an action).
 *
 * @example
 * ```ts
 * isKnownAction("Heartbeat"); // true
 * isKnownAction("heartbeat"); // false
 * ```
 */
export function isKnownAction(name: string): name is Action {
  return Object.hasOwn(ACTIONS, name);
}

/**
 * True for actions a Charge Point may send to the Central System.
 *
 * @example
 * ```ts
 * isCpToCsAction("BootNotification"); // true
 * isCpToCsAction("Reset"); // false
 * ```
 */
export function isCpToCsAction(name: string): name is CpToCsAction {
  return CP_TO_CS.has(name);
}

/**
 * True for actions the Central System may send to a Charge Point.
 *
 * @example
 * ```ts
 * isCsToCpAction("Reset"); // true
 * isCsToCpAction("DataTransfer"); // true: it goes both ways
 * ```
 */
export function isCsToCpAction(name: string): name is CsToCpAction {
  return CS_TO_CP.has(name);
}
