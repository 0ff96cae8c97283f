/**
 * OCPP 2.0.1 as a dialect beside OCPP 1.6: the action table (one generated file per action, see
 * `tasks/gen_ocpp201.ts`), the wire spellings of OCPP-J 2.0.1's RPC framework errors, and the types the 2.0.1
 * handlers and commands are written against. Out of scope (not in the table, answered NotSupported:
 * `out_of_scope.ts`): display messages, customer information, monitoring, ISO 15118 certificate messages,
 * tariffs/cost, local controller firmware publishing.
 */
import type { z } from "zod";
import { actionsSentBy, type Dialect, type SentBy } from "../ocppj/dialect.ts";
import { ACTIONS } from "./actions.ts";
import { OUT_OF_SCOPE_ACTIONS } from "./out_of_scope.ts";

export { ACTIONS };

type Table = typeof ACTIONS;

/**
 * OCPP 2.0.1 over WebSocket (OCPP-J 2.0.1): what a station that offers `ocpp2.0.1` speaks.
 *
 * @example
 * ```ts
 * OCPP201.subprotocol; // "ocpp2.0.1"
 * OCPP201.errorCodes?.FormationViolation; // "FormatViolation"
 * ```
 */
export const OCPP201: Dialect<Table> = {
  subprotocol: "ocpp2.0.1",
  name: "OCPP 2.0.1",
  actions: ACTIONS,
  // OCPP-J 2.0.1 §4.3 (RPC framework errors): renamed codes; the rest are spelled as in 1.6.
  errorCodes: {
    FormationViolation: "FormatViolation",
    OccurenceConstraintViolation: "OccurrenceConstraintViolation",
  },
  unknownMessageType: "MessageTypeNotSupported",
  unreadableFrame: "RpcFrameworkError",
  outOfScope: OUT_OF_SCOPE_ACTIONS,
};

/** Any OCPP 2.0.1 action name we speak. */
export type Action = keyof Table;

/** Actions a Charging Station may send to us. */
export type CpToCsAction = SentBy<Table, "CpToCs">;

/** Actions we may send to a Charging Station. */
export type CsToCpAction = SentBy<Table, "CsToCp">;

/** The parsed request payload of action `A`. */
export type RequestOf<A extends Action> = z.output<Table[A]["request"]>;

/** The parsed response payload of action `A`. */
export type ResponseOf<A extends Action> = z.output<Table[A]["response"]>;

/** Actions a Charging Station may send, in table order. */
export const CP_TO_CS_ACTIONS: readonly CpToCsAction[] = actionsSentBy(ACTIONS, "CpToCs");

/** Actions the CSMS may send, in table order. */
export const CS_TO_CP_ACTIONS: readonly CsToCpAction[] = actionsSentBy(ACTIONS, "CsToCp");

const CS_TO_CP = new Set<string>(CS_TO_CP_ACTIONS);

/**
 * True for an OCPP 2.0.1 command we send, spelled exactly as on the wire.
 *
 * @example
 * ```ts
 * isCsToCpAction("RequestStartTransaction"); // true
 * isCsToCpAction("RemoteStartTransaction"); // false: that is OCPP 1.6
 * ```
 */
export function isCsToCpAction(name: string): name is CsToCpAction {
  return CS_TO_CP.has(name);
}
