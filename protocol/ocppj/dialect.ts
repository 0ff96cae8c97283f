/**
 * What an OCPP version looks like to the rest of the system: a table of actions, each with its schemas, who
 * sends it and where the spec describes it, selected by the WebSocket subprotocol a station asks for
 * (OCPP-J 1.6 §3.1.2). `protocol/ocpp16/` is one dialect; OCPP 2.0.1 would be another folder beside it,
 * built on this file and the rest of `ocppj/`, without touching 1.6.
 */
import type { z } from "zod";
import type { OcppErrorCode } from "./errors.ts";

/** Who sends the CALL: the Charge Point (`CpToCs`) or the Central System (`CsToCp`). */
export type Direction = "CpToCs" | "CsToCp";

/** One action of a dialect, as its own file declares it. */
export interface ActionDefinition {
  /** One line for people: what the action does (API summaries, the dashboard's command forms). */
  readonly summary: string;
  /**
   * Who may send the CALL, each direction with the spec section that describes the action from that side
   * (`{ CpToCs: "OCPP 1.6 §4.8" }`). The keys are the action's directions.
   */
  readonly directions: { readonly [D in Direction]?: string };
  /** The CALL payload. */
  readonly request: z.ZodType;
  /** The CALLRESULT payload. */
  readonly response: z.ZodType;
}

/** A dialect's actions by their wire names. */
export type ActionTable = { readonly [action: string]: ActionDefinition };

/**
 * An OCPP version as the actor and the API use it: the subprotocol that selects it and its actions.
 *
 * @example
 * ```ts
 * import { OCPP16 } from "../ocpp16/mod.ts";
 * OCPP16.subprotocol; // "ocpp1.6"
 * OCPP16.actions.Heartbeat.directions; // { CpToCs: "OCPP 1.6 §4.6" }
 * ```
 */
export interface Dialect<T extends ActionTable = ActionTable> {
  /** The WebSocket subprotocol a station offers to speak this dialect, e.g. `ocpp1.6`. */
  readonly subprotocol: string;
  /** For messages: `OCPP 1.6`. */
  readonly name: string;
  readonly actions: T;
  /**
   * How this dialect spells our CALLERROR codes on the wire, where it differs from OCPP-J 1.6 (OCPP-J 2.0.1
   * §4.3 writes `FormatViolation` and `OccurrenceConstraintViolation`). Absent: the 1.6 spelling.
   */
  readonly errorCodes?: { readonly [C in OcppErrorCode]?: string };
  /**
   * What a frame with an unknown MessageTypeId gets: ignored (OCPP-J 1.6 §4.1.3) or a CALLERROR
   * `MessageTypeNotSupported` (OCPP-J 2.0.1 §4.2.3). Absent: ignored.
   */
  readonly unknownMessageType?: "ignore" | "MessageTypeNotSupported";
  /**
   * The code for a frame whose message id cannot be read (OCPP-J 2.0.1 `RpcFrameworkError`, sent with id
   * "-1"). Absent: the decoder's own code.
   */
  readonly unreadableFrame?: string;
  /**
   * Actions of this version that are not in `actions` (out of our scope): recognized, so a CALL of one gets
   * `NotSupported`, where a name the version does not have gets `NotImplemented` (OCPP-J 2.0.1 §4.3).
   */
  readonly outOfScope?: readonly string[];
}

/** `code` as `dialect` spells it on the wire. */
export function wireErrorCode(dialect: Dialect, code: OcppErrorCode): string {
  return dialect.errorCodes?.[code] ?? code;
}

/** The names of the actions in `T` that `D` may send. */
export type SentBy<T extends ActionTable, D extends Direction> = {
  [A in keyof T & string]: D extends keyof T[A]["directions"] ? A : never;
}[keyof T & string];

/** True when `name` is an action of `table`, spelled exactly as on the wire (`"toString"` is not one). */
export function hasAction<T extends ActionTable>(table: T, name: string): name is keyof T & string {
  return Object.hasOwn(table, name);
}

/** The actions of `table` that `direction` may send, in table order. */
export function actionsSentBy<T extends ActionTable, D extends Direction>(
  table: T,
  direction: D,
): SentBy<T, D>[] {
  return Object.keys(table).filter((name) => table[name]?.directions[direction] !== undefined) as SentBy<
    T,
    D
  >[];
}
