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
import { meterValues } from "./meter_values.ts";
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
};

export type { Handler, HandlerContext, HandlerResult } from "./handler.ts";
export type { VendorHandler, VendorTable } from "./data_transfer.ts";
