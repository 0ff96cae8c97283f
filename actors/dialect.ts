/**
 * The seam between the actor shell and an OCPP version: the protocol's action table (schemas, directions),
 * the handlers of what stations send, and the commands we send, picked by the WebSocket subprotocol a station
 * negotiated. The shell knows no action by name; OCPP 2.0.1 would be one more dialect beside `ocpp16.ts`.
 */
import type { ChargePointRecord } from "../model/charge_point.ts";
import type { Dialect } from "../protocol/ocppj/dialect.ts";
import type { AnyCommand } from "./commands/command.ts";
import type { AnyHandler } from "./handlers/handler.ts";

export interface ActorDialect {
  readonly protocol: Dialect;
  /** One per action the station sends, by wire name. */
  readonly handlers: { readonly [action: string]: AnyHandler };
  /** One per action we send, by wire name. */
  readonly commands: { readonly [action: string]: AnyCommand };
  /**
   * The station-sent actions that carry transaction data: stored with U+0000 replaced rather than refused, so
   * no reading is lost (every other CALL with a NUL is refused).
   */
  readonly transactionMessages: ReadonlySet<string>;
  /**
   * Whether a validated CALL goes on with or ends a session (readings, a stop) rather than starting one:
   * served from a station set Pending or Rejected while connected, so that no session data is lost.
   */
  continuesSession(action: string, request: unknown, record: Readonly<ChargePointRecord>): boolean;
  /**
   * Whether a validated CALL is a part of a reply in parts with more parts to come (OCPP 2.0.1 `tbc`): when
   * we asked for it (a trigger), the next part is welcome for as long again, however long the reply takes.
   */
  continuesReply?(action: string, request: unknown): boolean;
  /**
   * Actions an accepted trigger makes "asked for" once: the first such CALL uses the trigger up, so the next
   * one (a real reboot's BootNotification on the same connection, within the window) is not taken for it.
   */
  readonly triggeredOnce?: ReadonlySet<string>;
  /**
   * Check each command's payload against the dialect's schema before it is sent, whoever built it (an
   * operator, a job, load management, a trigger, a certificate delivery): a caller written for the other
   * dialect, or one that computed a bad value, is refused here (force or not), with the field in the error,
   * the command log and a warning, rather than sent for a strict station to refuse. Our answers to the
   * station's CALLs are not checked (one per incoming frame, the hot path): the strict ocpp-rpc stations of the
   * end-to-end tests check them.
   */
  readonly checkCommands?: boolean;
}

/** The dialect a station that offers `offered` subprotocols speaks (the first we know, in our order), or null. */
export function pickDialect(
  dialects: readonly ActorDialect[],
  offered: readonly string[],
): ActorDialect | null {
  return dialects.find((d) => offered.includes(d.protocol.subprotocol)) ?? null;
}
