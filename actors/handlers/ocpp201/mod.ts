/**
 * The one table of OCPP 2.0.1 CP->CS handlers. Where a 2.0.1 message has the shape of its 1.6 namesake
 * (SecurityEventNotification, SignCertificate, FirmwareStatusNotification), the 1.6 handler serves both
 * dialects (LogStatusNotification has its own: in 2.0.1 it is also the diagnostics status).
 */
import type { CpToCsAction } from "../../../protocol/ocpp201/mod.ts";
import { firmwareStatusNotification } from "../firmware_status_notification.ts";
import type { AnyHandler } from "../handler.ts";
import { securityEventNotification } from "../security_event_notification.ts";
import { signCertificate } from "../sign_certificate.ts";
import { notifyEvent } from "./acknowledged.ts";
import { clearedChargingLimit, notifyChargingLimit, reportChargingProfiles } from "./charging_reports.ts";
import { authorize } from "./authorize.ts";
import { bootNotification } from "./boot_notification.ts";
import { dataTransfer } from "./data_transfer.ts";
import { heartbeat } from "./heartbeat.ts";
import { logStatusNotification201 } from "./log_status_notification.ts";
import { meterValues } from "./meter_values.ts";
import { notifyReport } from "./notify_report.ts";
import { reservationStatusUpdate } from "./reservation_status_update.ts";
import { statusNotification } from "./status_notification.ts";
import { transactionEvent } from "./transaction_event.ts";

/** Every action keyed (the compiler refuses a missing one); each handler is typed by its own file. */
export type HandlerTable201 = { readonly [A in CpToCsAction]: AnyHandler };

export const HANDLERS_201: HandlerTable201 = {
  Authorize: authorize,
  BootNotification: bootNotification,
  ClearedChargingLimit: clearedChargingLimit,
  DataTransfer: dataTransfer,
  FirmwareStatusNotification: firmwareStatusNotification,
  Heartbeat: heartbeat,
  LogStatusNotification: logStatusNotification201,
  MeterValues: meterValues,
  NotifyChargingLimit: notifyChargingLimit,
  NotifyEvent: notifyEvent,
  NotifyReport: notifyReport,
  ReportChargingProfiles: reportChargingProfiles,
  ReservationStatusUpdate: reservationStatusUpdate,
  SecurityEventNotification: securityEventNotification,
  SignCertificate: signCertificate,
  StatusNotification: statusNotification,
  TransactionEvent: transactionEvent,
};
