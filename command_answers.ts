/**
 * What an answered command teaches beyond the station's record, in one place for a timely answer and a late
 * one (`ActorDeps.commandAnswered`, told by the node holding the station, whichever node the command came
 * from): the stored charging profiles follow an answered SetChargingProfile or ClearChargingProfile (energy/),
 * and the managed local list learns that the station accepted a list of someone else's
 * (fleet/local_list_sync.ts). A late answer also settles the AuthorizationKey or raised security profile
 * its timeout left pending (security/late_security_answers.ts) and the reservation ledger's ReserveNow
 * (fleet/reservation_service.ts); a timely one is settled by the caller that sent it. An Accepted or Rejected
 * CancelReservation, in time or late, ends the ledger's reservation of that id (an operator's raw one too). A late
 * CALLERROR is told too (`AnsweredCommand.callError`): each treats it as it treats a timely one. Only for the
 * commands sent with `CallOptions.answerEffects`: an operator's (routes/api/commands.ts,
 * routes/api/station_security.ts) and the fleet's (fleet/command_sender.ts).
 */
import type { AnsweredCommand } from "./actors/deps.ts";
import type { Energy } from "./energy/mod.ts";
import type { LocalListSync } from "./fleet/local_list_sync.ts";
import type { ReservationService } from "./fleet/reservation_service.ts";
import type { Logger } from "./logger.ts";
import type { LateSecurityAnswer } from "./security/late_security_answers.ts";

export interface CommandAnswerDeps {
  energy: Pick<Energy, "commandAnswered">;
  localList: Pick<LocalListSync, "listReplaced">;
  logger: Logger;
  /** Settles a pending key or raise by a late answer (`settleLateSecurityAnswer`); absent: left pending. */
  lateSecurityAnswer?: (answer: LateSecurityAnswer) => Promise<void>;
  /** The reservation ledger's part in late answers (fleet/reservation_service.ts); absent: not told. */
  reservations?: Pick<ReservationService, "commandAnswered">;
}

/** The commands whose answers stored charging profiles follow (of either dialect: the names are the same). */
const PROFILE_COMMANDS: ReadonlySet<string> = new Set(["SetChargingProfile", "ClearChargingProfile"]);
/** The commands whose answers the reservation ledger follows (either dialect's names are the same). */
const RESERVATION_COMMANDS: ReadonlySet<string> = new Set(["ReserveNow", "CancelReservation"]);

export function commandAnswerEffects(deps: CommandAnswerDeps): (answer: AnsweredCommand) => Promise<void> {
  // Each on its own: one failing does not keep the other from what the station did.
  const attempt = async (answer: AnsweredCommand, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      deps.logger.warn("cannot record what a command's answer taught", {
        chargePointId: answer.chargePointId,
        action: answer.action,
        late: answer.late,
        error: String(error),
      });
    }
  };
  return async function commandAnswered(answer) {
    const { chargePointId, action, request, response, callError, requestedBy, recordsAsked, dialect } =
      answer;
    const settle = deps.lateSecurityAnswer;
    if (answer.late && settle) {
      await attempt(
        answer,
        () => settle({ chargePointId, action, request, response, callError, requestedBy, recordsAsked }),
      );
    }
    const reservations = deps.reservations;
    if (reservations && RESERVATION_COMMANDS.has(action)) {
      await attempt(
        answer,
        () =>
          reservations.commandAnswered({
            chargePointId,
            action,
            request,
            response,
            callError,
            requestedBy,
            dialect,
            late: answer.late,
          }),
      );
    }
    // A CALLERROR changed nothing on the station: only a record made before the command went out (load
    // management's raise, recorded first) has anything to take back; an operator's profile is recorded by its
    // answer (`recordAnswer`), so there is nothing to undo.
    if (PROFILE_COMMANDS.has(action) && (callError === null || answer.callerRecords)) {
      await attempt(
        answer,
        () =>
          deps.energy.commandAnswered({
            chargePointId,
            action,
            request,
            response,
            requestedBy,
            dialect,
            ...(answer.callerRecords ? { callerRecords: { recordsAsked, callError } } : {}),
          }),
      );
    }
    if (action === "SendLocalList" && (response as { status?: unknown } | null)?.status === "Accepted") {
      // The station now holds this list, not the managed one we recorded (either dialect's version field).
      const sent = request as { listVersion?: number; versionNumber?: number };
      await attempt(
        answer,
        () =>
          deps.localList.listReplaced(
            chargePointId,
            sent.listVersion ?? sent.versionNumber ?? 0,
            requestedBy,
          ),
      );
    }
  };
}
