/**
 * The one table of OCPP 2.0.1 CS->CP commands: one entry per action (the compiler refuses a missing key),
 * most with nothing to guard and nothing their answer teaches the snapshot (the command log keeps every
 * answer).
 */
import type { CsToCpAction } from "../../../protocol/ocpp201/mod.ts";
import type { AnyCommand } from "../command.ts";
import { changeAvailability201 } from "./change_availability.ts";
import { getLocalListVersion, sendLocalList } from "./local_list.ts";
import { getBaseReport, getReport } from "./reports.ts";
import { requestStartTransaction } from "./request_start_transaction.ts";
import { requestStopTransaction } from "./request_stop_transaction.ts";
import { cancelReservation, reserveNow } from "./reservations.ts";
import { triggerMessage } from "./trigger_message.ts";
import { getVariables, setVariables } from "./variables.ts";

export const COMMANDS_201: { readonly [A in CsToCpAction]: AnyCommand } = {
  CancelReservation: cancelReservation,
  CertificateSigned: {},
  ChangeAvailability: changeAvailability201,
  ClearCache: {},
  ClearChargingProfile: {},
  DataTransfer: {},
  DeleteCertificate: {},
  GetBaseReport: getBaseReport,
  GetChargingProfiles: {},
  GetCompositeSchedule: {},
  GetInstalledCertificateIds: {},
  GetLocalListVersion: getLocalListVersion,
  GetLog: {},
  GetReport: getReport,
  GetTransactionStatus: {},
  GetVariables: getVariables,
  InstallCertificate: {},
  RequestStartTransaction: requestStartTransaction,
  RequestStopTransaction: requestStopTransaction,
  ReserveNow: reserveNow,
  Reset: {},
  SendLocalList: sendLocalList,
  SetChargingProfile: {},
  SetNetworkProfile: {},
  SetVariables: setVariables,
  TriggerMessage: triggerMessage,
  UnlockConnector: {},
  UpdateFirmware: {},
};
