/**
 * What an answered command teaches beyond the station's record, in one place for a timely answer and a late
 * one (`ActorDeps.commandAnswered`, told by the node holding the station, whichever node the command came
 * from): the stored charging profiles follow an answered SetChargingProfile or ClearChargingProfile (energy/),
 * and the managed local list learns that the station accepted a list of someone else's
 * (fleet/local_list_sync.ts). Only for the commands sent with `CallOptions.answerEffects`: an operator's
 * (routes/api/commands.ts) and the fleet's (fleet/command_sender.ts).
 */
import type { AnsweredCommand } from "./actors/deps.ts";
import type { Energy } from "./energy/mod.ts";
import type { LocalListSync } from "./fleet/local_list_sync.ts";
import type { Logger } from "./logger.ts";

export interface CommandAnswerDeps {
  energy: Pick<Energy, "commandAnswered">;
  localList: Pick<LocalListSync, "listReplaced">;
  logger: Logger;
}

/** The commands whose answers stored charging profiles follow (of either dialect: the names are the same). */
const PROFILE_COMMANDS: ReadonlySet<string> = new Set(["SetChargingProfile", "ClearChargingProfile"]);

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
    const { chargePointId, action, request, response, requestedBy, dialect } = answer;
    if (PROFILE_COMMANDS.has(action)) {
      await attempt(
        answer,
        () => deps.energy.commandAnswered({ chargePointId, action, request, response, requestedBy, dialect }),
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
