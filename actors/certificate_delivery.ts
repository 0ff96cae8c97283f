/**
 * What became of a CertificateSigned we sent, in the PKI's terms (model/certificates.ts): only an `Accepted`
 * answer installs the certificate. Any other answer, a CALLERROR or an answer that breaks the schema is the
 * station's refusal (`rejected`); no answer at all (not connected, timed out, the connection closed first) is
 * `undelivered`, which the station may never have seen.
 *
 * @example
 * ```ts ignore
 * const outcome = await deliveryOf(registry.call("CP-1", "CertificateSigned", { certificateChain }));
 * ```
 */
import type { DeliveryOutcome } from "../model/certificates.ts";
import { CallErrorResponse, InvalidResponseError } from "./errors.ts";

export async function deliveryOf(answer: Promise<{ status: string }>): Promise<DeliveryOutcome> {
  try {
    return deliveryOfAnswer({ response: await answer });
  } catch (error) {
    return deliveryOfAnswer({ error: error instanceof Error ? error : new Error(String(error)) });
  }
}

/** The same for an answer in hand (one that came after its call timed out: `ActorDeps.lateAnswers`). */
export function deliveryOfAnswer(outcome: { response: unknown } | { error: Error }): DeliveryOutcome {
  if ("response" in outcome) {
    const { status } = outcome.response as { status: string };
    if (status === "Accepted") return { delivery: "accepted", detail: null };
    return { delivery: "rejected", detail: `The station answered ${JSON.stringify(status)}` };
  }
  const { error } = outcome;
  if (error instanceof CallErrorResponse || error instanceof InvalidResponseError) {
    return { delivery: "rejected", detail: error.message };
  }
  return { delivery: "undelivered", detail: error.message };
}
