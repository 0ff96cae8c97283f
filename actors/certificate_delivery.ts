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
    const { status } = await answer;
    if (status === "Accepted") return { delivery: "accepted", detail: null };
    return { delivery: "rejected", detail: `The station answered ${JSON.stringify(status)}` };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof CallErrorResponse || error instanceof InvalidResponseError) {
      return { delivery: "rejected", detail };
    }
    return { delivery: "undelivered", detail };
  }
}
