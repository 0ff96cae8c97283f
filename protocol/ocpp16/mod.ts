/**
 * The one OCPP 1.6 action table: for each action, its request and response schemas and who may send it.
 * Schemas are module-level singletons shared by every connection (no per-call copies).
 */
import type { z } from "zod";
import { AuthorizeRequest, AuthorizeResponse } from "./authorize.ts";
import { BootNotificationRequest, BootNotificationResponse } from "./boot_notification.ts";
import { CancelReservationRequest, CancelReservationResponse } from "./cancel_reservation.ts";
import { ChangeAvailabilityRequest, ChangeAvailabilityResponse } from "./change_availability.ts";
import { ChangeConfigurationRequest, ChangeConfigurationResponse } from "./change_configuration.ts";
import { ClearCacheRequest, ClearCacheResponse } from "./clear_cache.ts";
import { ClearChargingProfileRequest, ClearChargingProfileResponse } from "./clear_charging_profile.ts";
import { DataTransferRequest, DataTransferResponse } from "./data_transfer.ts";
import {
  DiagnosticsStatusNotificationRequest,
  DiagnosticsStatusNotificationResponse,
} from "./diagnostics_status_notification.ts";
import {
  FirmwareStatusNotificationRequest,
  FirmwareStatusNotificationResponse,
} from "./firmware_status_notification.ts";
import { GetCompositeScheduleRequest, GetCompositeScheduleResponse } from "./get_composite_schedule.ts";
import { GetConfigurationRequest, GetConfigurationResponse } from "./get_configuration.ts";
import { GetDiagnosticsRequest, GetDiagnosticsResponse } from "./get_diagnostics.ts";
import { GetLocalListVersionRequest, GetLocalListVersionResponse } from "./get_local_list_version.ts";
import { HeartbeatRequest, HeartbeatResponse } from "./heartbeat.ts";
import { MeterValuesRequest, MeterValuesResponse } from "./meter_values.ts";
import { RemoteStartTransactionRequest, RemoteStartTransactionResponse } from "./remote_start_transaction.ts";
import { RemoteStopTransactionRequest, RemoteStopTransactionResponse } from "./remote_stop_transaction.ts";
import { ReserveNowRequest, ReserveNowResponse } from "./reserve_now.ts";
import { ResetRequest, ResetResponse } from "./reset.ts";
import { SendLocalListRequest, SendLocalListResponse } from "./send_local_list.ts";
import { SetChargingProfileRequest, SetChargingProfileResponse } from "./set_charging_profile.ts";
import { StartTransactionRequest, StartTransactionResponse } from "./start_transaction.ts";
import { StatusNotificationRequest, StatusNotificationResponse } from "./status_notification.ts";
import { StopTransactionRequest, StopTransactionResponse } from "./stop_transaction.ts";
import { TriggerMessageRequest, TriggerMessageResponse } from "./trigger_message.ts";
import { UnlockConnectorRequest, UnlockConnectorResponse } from "./unlock_connector.ts";
import { UpdateFirmwareRequest, UpdateFirmwareResponse } from "./update_firmware.ts";

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
  Authorize: { request: AuthorizeRequest, response: AuthorizeResponse, directions: CP },
  BootNotification: {
    request: BootNotificationRequest,
    response: BootNotificationResponse,
    directions: CP,
  },
  CancelReservation: {
    request: CancelReservationRequest,
    response: CancelReservationResponse,
    directions: CS,
  },
  ChangeAvailability: {
    request: ChangeAvailabilityRequest,
    response: ChangeAvailabilityResponse,
    directions: CS,
  },
  ChangeConfiguration: {
    request: ChangeConfigurationRequest,
    response: ChangeConfigurationResponse,
    directions: CS,
  },
  ClearCache: { request: ClearCacheRequest, response: ClearCacheResponse, directions: CS },
  ClearChargingProfile: {
    request: ClearChargingProfileRequest,
    response: ClearChargingProfileResponse,
    directions: CS,
  },
  DataTransfer: {
    request: DataTransferRequest,
    response: DataTransferResponse,
    directions: ["CpToCs", "CsToCp"] as const,
  },
  DiagnosticsStatusNotification: {
    request: DiagnosticsStatusNotificationRequest,
    response: DiagnosticsStatusNotificationResponse,
    directions: CP,
  },
  FirmwareStatusNotification: {
    request: FirmwareStatusNotificationRequest,
    response: FirmwareStatusNotificationResponse,
    directions: CP,
  },
  GetCompositeSchedule: {
    request: GetCompositeScheduleRequest,
    response: GetCompositeScheduleResponse,
    directions: CS,
  },
  GetConfiguration: {
    request: GetConfigurationRequest,
    response: GetConfigurationResponse,
    directions: CS,
  },
  GetDiagnostics: { request: GetDiagnosticsRequest, response: GetDiagnosticsResponse, directions: CS },
  GetLocalListVersion: {
    request: GetLocalListVersionRequest,
    response: GetLocalListVersionResponse,
    directions: CS,
  },
  Heartbeat: { request: HeartbeatRequest, response: HeartbeatResponse, directions: CP },
  MeterValues: { request: MeterValuesRequest, response: MeterValuesResponse, directions: CP },
  RemoteStartTransaction: {
    request: RemoteStartTransactionRequest,
    response: RemoteStartTransactionResponse,
    directions: CS,
  },
  RemoteStopTransaction: {
    request: RemoteStopTransactionRequest,
    response: RemoteStopTransactionResponse,
    directions: CS,
  },
  ReserveNow: { request: ReserveNowRequest, response: ReserveNowResponse, directions: CS },
  Reset: { request: ResetRequest, response: ResetResponse, directions: CS },
  SendLocalList: { request: SendLocalListRequest, response: SendLocalListResponse, directions: CS },
  SetChargingProfile: {
    request: SetChargingProfileRequest,
    response: SetChargingProfileResponse,
    directions: CS,
  },
  StartTransaction: {
    request: StartTransactionRequest,
    response: StartTransactionResponse,
    directions: CP,
  },
  StatusNotification: {
    request: StatusNotificationRequest,
    response: StatusNotificationResponse,
    directions: CP,
  },
  StopTransaction: { request: StopTransactionRequest, response: StopTransactionResponse, directions: CP },
  TriggerMessage: { request: TriggerMessageRequest, response: TriggerMessageResponse, directions: CS },
  UnlockConnector: { request: UnlockConnectorRequest, response: UnlockConnectorResponse, directions: CS },
  UpdateFirmware: { request: UpdateFirmwareRequest, response: UpdateFirmwareResponse, directions: CS },
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
