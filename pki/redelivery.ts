/**
 * A certificate recorded `undelivered` is sent again, once, when its station boots (BootNotification Accepted).
 * `undelivered` says only that no answer was heard: the connection closed with CertificateSigned in flight, the
 * station was gone, or a server died before recording the answer (the sweep, `pending_delivery_sweep.ts`, then
 * settles it so). The station may well have installed it: a profile 3 station proves that by connecting with
 * it (`presented_certificate.ts`), a profile 1/2 one cannot, and without its acceptance recorded it has no
 * current certificate, is never renewed and cannot be raised to profile 3. The same chain sent again is
 * harmless: a station that installed it answers Accepted, one that no longer holds the key answers Rejected.
 * Its answer is recorded as any delivery's (`Enrolment.redeliver`: security event, late answer, retries).
 *
 * Sent again only when all hold: it is the newest certificate issued to the station (a newer CSR means a newer
 * key: the older certificate is not what it waits for), its delivery is `undelivered` (never `rejected`: the
 * station said no, and that stands), it is still valid, the CA that signs now signed it (its chain can be
 * rebuilt), and it was never sent again before: `claimRedelivery` marks it in the store first, in one atomic
 * step, so one boot of one node of a cluster sends it, once; whatever the second sending meets, even no answer
 * again, it is not sent a third time.
 *
 * @example
 * ```ts ignore
 * const redelivery = new CertificateRedelivery({ pki, redeliver: (id, serial, chain) => enrolment.redeliver(id, serial, chain), log });
 * await redelivery.atBoot("CP-1"); // "sent" | "none" | ...
 * ```
 */
import type { DeliveryOutcome } from "../model/certificates.ts";
import type { StationPki } from "./station_pki.ts";

export interface RedeliveryDeps {
  pki: Pick<StationPki, "listCertificates" | "claimRedelivery" | "chainOf" | "now">;
  /** Sends the chain again and records its outcome as a delivery's (never rejects). */
  redeliver: (
    chargePointId: string,
    serialNumber: string,
    certificateChain: string,
  ) => Promise<DeliveryOutcome>;
  log: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
}

/** What `atBoot()` did: sent (with the outcome), or why not. */
export type RedeliveryOutcome =
  | { status: "sent"; serialNumber: string; outcome: DeliveryOutcome }
  | { status: "none" | "expired" | "not_ours" | "claimed" | "failed" };

export class CertificateRedelivery {
  constructor(private readonly deps: RedeliveryDeps) {}

  /** Never throws: a store that fails leaves the certificate for the station's next boot. */
  async atBoot(chargePointId: string): Promise<RedeliveryOutcome> {
    const { pki, redeliver, log } = this.deps;
    try {
      const [newest] = await pki.listCertificates({ chargePointId, limit: 1 });
      if (!newest || newest.delivery !== "undelivered" || newest.redeliveredAt !== null) {
        return { status: "none" };
      }
      const now = pki.now().getTime();
      if (Date.parse(newest.notAfter) <= now || Date.parse(newest.notBefore) > now) {
        return { status: "expired" };
      }
      const chain = await pki.chainOf(newest);
      if (chain === null) return { status: "not_ours" };
      // The mark before the sending: at most once, whatever becomes of it (a crash included).
      if (!await pki.claimRedelivery(newest.serialNumber)) return { status: "claimed" };
      const fields = { chargePointId, serialNumber: newest.serialNumber, was: newest.deliveryDetail };
      log("info", "undelivered certificate sent again at the station's boot", fields);
      const outcome = await redeliver(chargePointId, newest.serialNumber, chain);
      return { status: "sent", serialNumber: newest.serialNumber, outcome };
    } catch (error) {
      log("warn", "undelivered certificate not checked for sending again: tried at the station's next boot", {
        chargePointId,
        error: String(error),
      });
      return { status: "failed" };
    }
  }
}
