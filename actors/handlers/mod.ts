/**
 * The one table of OCPP 1.6 CP->CS handlers, shared by every actor (no per-station copies). Keyed by the
 * protocol's action names: the compiler refuses a missing one.
 */
import type { CpToCsAction } from "../../protocol/ocpp16/mod.ts";
import { authorize } from "./authorize.ts";
import { bootNotification } from "./boot_notification.ts";
import { dataTransfer } from "./data_transfer.ts";
import { diagnosticsStatusNotification } from "./diagnostics_status_notification.ts";
import { firmwareStatusNotification } from "./firmware_status_notification.ts";
import type { Handler } from "./handler.ts";
import { heartbeat } from "./heartbeat.ts";
import { logStatusNotification } from "./log_status_notification.ts";
import { meterValues } from "./meter_values.ts";
import { securityEventNotification } from "./security_event_notification.ts";
import { signCertificate } from "./sign_certificate.ts";
import { signedFirmwareStatusNotification } from "./signed_firmware_status_notification.ts";
import { startTransaction } from "./start_transaction.ts";
import { statusNotification } from "./status_notification.ts";
import { stopTransaction } from "./stop_transaction.ts";

export type HandlerTable = { readonly [A in CpToCsAction]: Handler<A> };

export const HANDLERS: HandlerTable = {
  Authorize: authorize,
  BootNotification: bootNotification,
  DataTransfer: dataTransfer,
  DiagnosticsStatusNotification: diagnosticsStatusNotification,
  FirmwareStatusNotification: firmwareStatusNotification,
  Heartbeat: heartbeat,
  MeterValues: meterValues,
  StartTransaction: startTransaction,
  StatusNotification: statusNotification,
  StopTransaction: stopTransaction,
  // OCPP 1.6 Security extension.
  LogStatusNotification: logStatusNotification,
  SecurityEventNotification: securityEventNotification,
  SignCertificate: signCertificate,
  SignedFirmwareStatusNotification: signedFirmwareStatusNotification,
};

export type {
  CsrChecker,
  FollowUp,
  Handler,
  HandlerContext,
  HandlerResult,
  HandlerSecurityEvent,
} from "./handler.ts";
export type { VendorHandler, VendorTable } from "./data_transfer.ts";
