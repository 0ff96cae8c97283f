/**
 * OCPP 1.6 as a dialect: the one action table, assembled from one file per action (`start_transaction.ts`
 * holds StartTransaction's schemas, summary, directions and spec section), and what the rest of the system
 * derives from it: action names by direction, payload types, validation. Every other per-action table
 * (handlers, command effects, API descriptions, the dashboard's command forms) is keyed by these names.
 * Schemas are module-level singletons shared by every connection (no per-call copies).
 */
import type { z } from "zod";
import { actionsSentBy, type ActionTable, type Dialect, hasAction, type SentBy } from "../ocppj/dialect.ts";
import { validateMessage, type ValidationResult } from "../ocppj/validate.ts";
import { Authorize } from "./authorize.ts";
import { BootNotification } from "./boot_notification.ts";
import { CancelReservation } from "./cancel_reservation.ts";
import { CertificateSigned } from "./certificate_signed.ts";
import { ChangeAvailability } from "./change_availability.ts";
import { ChangeConfiguration } from "./change_configuration.ts";
import { ClearCache } from "./clear_cache.ts";
import { ClearChargingProfile } from "./clear_charging_profile.ts";
import { DataTransfer } from "./data_transfer.ts";
import { DeleteCertificate } from "./delete_certificate.ts";
import { DiagnosticsStatusNotification } from "./diagnostics_status_notification.ts";
import { ExtendedTriggerMessage } from "./extended_trigger_message.ts";
import { FirmwareStatusNotification } from "./firmware_status_notification.ts";
import { GetCompositeSchedule } from "./get_composite_schedule.ts";
import { GetConfiguration } from "./get_configuration.ts";
import { GetDiagnostics } from "./get_diagnostics.ts";
import { GetInstalledCertificateIds } from "./get_installed_certificate_ids.ts";
import { GetLocalListVersion } from "./get_local_list_version.ts";
import { GetLog } from "./get_log.ts";
import { Heartbeat } from "./heartbeat.ts";
import { InstallCertificate } from "./install_certificate.ts";
import { LogStatusNotification } from "./log_status_notification.ts";
import { MeterValues } from "./meter_values.ts";
import { RemoteStartTransaction } from "./remote_start_transaction.ts";
import { RemoteStopTransaction } from "./remote_stop_transaction.ts";
import { ReserveNow } from "./reserve_now.ts";
import { Reset } from "./reset.ts";
import { SecurityEventNotification } from "./security_event_notification.ts";
import { SendLocalList } from "./send_local_list.ts";
import { SetChargingProfile } from "./set_charging_profile.ts";
import { SignCertificate } from "./sign_certificate.ts";
import { SignedFirmwareStatusNotification } from "./signed_firmware_status_notification.ts";
import { SignedUpdateFirmware } from "./signed_update_firmware.ts";
import { StartTransaction } from "./start_transaction.ts";
import { StatusNotification } from "./status_notification.ts";
import { StopTransaction } from "./stop_transaction.ts";
import { TriggerMessage } from "./trigger_message.ts";
import { UnlockConnector } from "./unlock_connector.ts";
import { UpdateFirmware } from "./update_firmware.ts";

/**
 * The OCPP 1.6 actions of the specification itself (OCPP 1.6 §4 and §5), core and optional profiles, keyed by
 * their wire names.
 *
 * @example
 * ```ts
 * const parsed = CORE_ACTIONS.Heartbeat.request.safeParse({});
 * // parsed.success === true
 * CORE_ACTIONS.StartTransaction.directions; // { CpToCs: "OCPP 1.6 §4.8" }
 * ```
 */
export const CORE_ACTIONS = {
  Authorize,
  BootNotification,
  CancelReservation,
  ChangeAvailability,
  ChangeConfiguration,
  ClearCache,
  ClearChargingProfile,
  DataTransfer,
  DiagnosticsStatusNotification,
  FirmwareStatusNotification,
  GetCompositeSchedule,
  GetConfiguration,
  GetDiagnostics,
  GetLocalListVersion,
  Heartbeat,
  MeterValues,
  RemoteStartTransaction,
  RemoteStopTransaction,
  ReserveNow,
  Reset,
  SendLocalList,
  SetChargingProfile,
  StartTransaction,
  StatusNotification,
  StopTransaction,
  TriggerMessage,
  UnlockConnector,
  UpdateFirmware,
} as const satisfies ActionTable;

/**
 * The OCPP 1.6 Security extension (OCPP 1.6 Security Whitepaper ed. 3 §5 "Messages"): eleven actions on top
 * of OCPP 1.6, each in its own file like the core ones and checked against the official security JSON schemas
 * (`security_schemas_test.ts`). Stations with current firmware speak them over the same `ocpp1.6`
 * subprotocol, so they are part of ACTIONS below.
 *
 * @example
 * ```ts
 * SECURITY_ACTIONS.SignCertificate.directions; // { CpToCs: "OCPP 1.6 Security Whitepaper ed. 3 §5.17" }
 * ```
 */
export const SECURITY_ACTIONS = {
  CertificateSigned,
  DeleteCertificate,
  ExtendedTriggerMessage,
  GetInstalledCertificateIds,
  GetLog,
  InstallCertificate,
  LogStatusNotification,
  SecurityEventNotification,
  SignCertificate,
  SignedFirmwareStatusNotification,
  SignedUpdateFirmware,
} as const satisfies ActionTable;

/** A Security extension action name. */
export type SecurityAction = keyof typeof SECURITY_ACTIONS;

/**
 * Every action a station speaking `ocpp1.6` may exchange with us: the specification's (CORE_ACTIONS) and the
 * Security extension's (SECURITY_ACTIONS), keyed by wire name.
 *
 * @example
 * ```ts
 * const parsed = ACTIONS.Heartbeat.request.safeParse({});
 * // parsed.success === true
 * ACTIONS.SignCertificate.directions; // { CpToCs: "OCPP 1.6 Security Whitepaper ed. 3 §5.17" }
 * ```
 */
export const ACTIONS = { ...CORE_ACTIONS, ...SECURITY_ACTIONS } as const satisfies ActionTable;

type Table = typeof ACTIONS;

/** OCPP 1.6 over WebSocket (OCPP-J 1.6): what a station that offers `ocpp1.6` speaks. */
export const OCPP16: Dialect<Table> = { subprotocol: "ocpp1.6", name: "OCPP 1.6", actions: ACTIONS };

/** Any OCPP 1.6 action name. */
export type Action = keyof Table;

/** Actions a Charge Point may send to us (we answer them). */
export type CpToCsAction = SentBy<Table, "CpToCs">;

/** Actions we may send to a Charge Point (it answers them). */
export type CsToCpAction = SentBy<Table, "CsToCp">;

/** Actions of the specification itself (not the Security extension) a Charge Point may send. */
export type CoreCpToCsAction = SentBy<typeof CORE_ACTIONS, "CpToCs">;

/** Actions of the specification itself (not the Security extension) the Central System may send. */
export type CoreCsToCpAction = SentBy<typeof CORE_ACTIONS, "CsToCp">;

/** The parsed request payload of action `A`. */
export type RequestOf<A extends Action> = z.output<Table[A]["request"]>;

/** The parsed response payload of action `A`. */
export type ResponseOf<A extends Action> = z.output<Table[A]["response"]>;

/** Every action name, in table order. */
export const ALL_ACTIONS: readonly Action[] = Object.keys(ACTIONS) as Action[];

/** Actions a Charge Point may send, in table order. */
export const CP_TO_CS_ACTIONS: readonly CpToCsAction[] = actionsSentBy(ACTIONS, "CpToCs");

/** Actions the Central System may send, in table order. */
export const CS_TO_CP_ACTIONS: readonly CsToCpAction[] = actionsSentBy(ACTIONS, "CsToCp");

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
  return hasAction(ACTIONS, name);
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

/**
 * Validates the payload of a CALL for `action`. An unknown action gives NotImplemented (OCPP-J 1.6 §4.2.3).
 *
 * @example
 * ```ts
 * const result = validateRequest("Heartbeat", {});
 * // result.ok === true
 * ```
 */
export function validateRequest<A extends Action>(
  action: A,
  payload: unknown,
): ValidationResult<RequestOf<A>> {
  return validateMessage(OCPP16, "request", action, payload);
}

/**
 * Validates the payload of a CALLRESULT answering a CALL for `action`.
 *
 * @example
 * ```ts
 * const result = validateResponse("Reset", { status: "Accepted" });
 * // result.ok === true
 * ```
 */
export function validateResponse<A extends Action>(
  action: A,
  payload: unknown,
): ValidationResult<ResponseOf<A>> {
  return validateMessage(OCPP16, "response", action, payload);
}
