/** OCPP 1.6 for the actor: the protocol's action table with our 1.6 handlers and commands. */
import { OCPP16 } from "../protocol/ocpp16/mod.ts";
import { COMMANDS } from "./commands/mod.ts";
import type { ActorDialect } from "./dialect.ts";
import { HANDLERS } from "./handlers/mod.ts";

export const OCPP16_ACTOR: ActorDialect = {
  protocol: OCPP16,
  handlers: HANDLERS,
  commands: COMMANDS,
  // OCPP 1.6 §4.10 (transaction-related messages): StartTransaction, StopTransaction and MeterValues.
  transactionMessages: new Set(["StartTransaction", "StopTransaction", "MeterValues"]),
  continuesSession: (action) => action === "StopTransaction" || action === "MeterValues",
  // 1.6 boots say no reason: the trigger decides whether a boot is a reboot, for one boot.
  triggeredOnce: new Set(["BootNotification"]),
  // A strict station refuses a CALL its schema does not take (a NaN limit sent as null): refused here instead,
  // saying why. The Security extension's commands are in the same action table.
  checkCommands: true,
};

/** Every dialect the server speaks, the preferred first (see `dialectsPreferring` in `dialects.ts`). */
export const DIALECTS: readonly ActorDialect[] = [OCPP16_ACTOR];
