/**
 * The one table of OCPP 1.6 CS->CP commands: one entry per action, so a new command cannot be added without
 * deciding its guard and what its answer teaches us (the compiler refuses a missing key).
 */
import type { CsToCpAction } from "../../protocol/ocpp16/mod.ts";
import { cancelReservation } from "./cancel_reservation.ts";
import { certificateSigned } from "./certificate_signed.ts";
import { deleteCertificate } from "./delete_certificate.ts";
import { extendedTriggerMessage } from "./extended_trigger_message.ts";
import { getInstalledCertificateIds } from "./get_installed_certificate_ids.ts";
import { getLog } from "./get_log.ts";
import { installCertificate } from "./install_certificate.ts";
import { signedUpdateFirmware } from "./signed_update_firmware.ts";
import { changeAvailability } from "./change_availability.ts";
import { changeConfiguration } from "./change_configuration.ts";
import { clearCache } from "./clear_cache.ts";
import { clearChargingProfile } from "./clear_charging_profile.ts";
import type { Command } from "./command.ts";
import { dataTransfer } from "./data_transfer.ts";
import { getCompositeSchedule } from "./get_composite_schedule.ts";
import { getConfiguration } from "./get_configuration.ts";
import { getDiagnostics } from "./get_diagnostics.ts";
import { getLocalListVersion } from "./get_local_list_version.ts";
import { remoteStartTransaction } from "./remote_start_transaction.ts";
import { remoteStopTransaction } from "./remote_stop_transaction.ts";
import { reserveNow } from "./reserve_now.ts";
import { reset } from "./reset.ts";
import { sendLocalList } from "./send_local_list.ts";
import { setChargingProfile } from "./set_charging_profile.ts";
import { triggerMessage } from "./trigger_message.ts";
import { unlockConnector } from "./unlock_connector.ts";
import { updateFirmware } from "./update_firmware.ts";

export type CommandTable = { readonly [A in CsToCpAction]: Command<A> };

export const COMMANDS: CommandTable = {
  CancelReservation: cancelReservation,
  ChangeAvailability: changeAvailability,
  ChangeConfiguration: changeConfiguration,
  ClearCache: clearCache,
  ClearChargingProfile: clearChargingProfile,
  DataTransfer: dataTransfer,
  GetCompositeSchedule: getCompositeSchedule,
  GetConfiguration: getConfiguration,
  GetDiagnostics: getDiagnostics,
  GetLocalListVersion: getLocalListVersion,
  RemoteStartTransaction: remoteStartTransaction,
  RemoteStopTransaction: remoteStopTransaction,
  ReserveNow: reserveNow,
  Reset: reset,
  SendLocalList: sendLocalList,
  SetChargingProfile: setChargingProfile,
  TriggerMessage: triggerMessage,
  UnlockConnector: unlockConnector,
  UpdateFirmware: updateFirmware,
  // OCPP 1.6 Security extension.
  CertificateSigned: certificateSigned,
  DeleteCertificate: deleteCertificate,
  ExtendedTriggerMessage: extendedTriggerMessage,
  GetInstalledCertificateIds: getInstalledCertificateIds,
  GetLog: getLog,
  InstallCertificate: installCertificate,
  SignedUpdateFirmware: signedUpdateFirmware,
};

export type { AnyCommand, Command } from "./command.ts";
