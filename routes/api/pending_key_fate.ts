/**
 * What becomes of an AuthorizationKey stored as pending before it went out (security/authorization_key_rotation.ts),
 * from how its sending ended: the one rule of the commands route and the generate endpoint.
 */
import type { keyAnswer } from "../../security/authorization_key_rotation.ts";
import { outcomeUnknown } from "./command_errors.ts";

/**
 * "take": the station accepted it, it is the key now. "keep": the station may hold it (RebootRequired, or no
 * valid answer after it went out), so it stays pending and lets the station in. "forget": the station does not
 * hold it (refused, or never sent).
 */
export type PendingKeyFate = "take" | "keep" | "forget";

export function pendingKeyFate(
  ended: { answer: ReturnType<typeof keyAnswer> } | { error: unknown },
): PendingKeyFate {
  if ("error" in ended) return outcomeUnknown(ended.error) ? "keep" : "forget";
  if (ended.answer === "accepted") return "take";
  return ended.answer === "afterReboot" ? "keep" : "forget";
}
