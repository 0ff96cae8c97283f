/**
 * What became of a trigger we sent (ExtendedTriggerMessage, TriggerMessage), for the certificate renewal scan
 * (pki/renewal.ts): `accepted` when the station answered Accepted; `refused` for any other answer (Rejected,
 * NotImplemented, a CALLERROR, an answer that breaks the schema): it heard us and said no; `unanswered` when no
 * answer came (not connected, the connection closed with the trigger in flight, no answer in time, the node
 * holding it lost): the station may never have seen it, so it is not counted as asked; of those, `timedOut`
 * when the station stayed connected and did not answer in time (CallTimeoutError): asking it at every scan
 * would only repeat that, so the scan backs off. A trigger our own checks refused to send
 * (CommandRefusedError) is `refused` too: sending it again at once would meet the same.
 *
 * @example
 * ```ts ignore
 * const outcome = await triggerOutcomeOf(registry.call("CP-1", "ExtendedTriggerMessage", payload));
 * ```
 */
import { CallErrorResponse, CallTimeoutError, CommandRefusedError, InvalidResponseError } from "./errors.ts";

export type TriggerAnswer = "accepted" | "refused" | "unanswered" | "timedOut";

export async function triggerOutcomeOf(
  answer: Promise<{ status: string }>,
): Promise<{ outcome: TriggerAnswer; detail: string }> {
  try {
    const { status } = await answer;
    return { outcome: status === "Accepted" ? "accepted" : "refused", detail: status };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const refused = error instanceof CallErrorResponse || error instanceof InvalidResponseError ||
      error instanceof CommandRefusedError;
    return {
      outcome: refused ? "refused" : error instanceof CallTimeoutError ? "timedOut" : "unanswered",
      detail,
    };
  }
}
