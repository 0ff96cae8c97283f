/**
 * The second half of SignCertificate (OCPP 1.6 Security Whitepaper ed. 3, use cases A02/A03): after the
 * station's CSR was checked and answered Accepted, sign it, record the certificate (pending delivery), send it
 * to the station with CertificateSigned and record what became of that: only a certificate the station
 * Accepted becomes its current one (renewed, shown as its certificate); a rejected or undelivered one is kept
 * for the record and reported as a security event. Runs after the answer, outside the station's inbound turn
 * (the CALL goes through the actor's mailbox like any command), so a station is never kept waiting on its own
 * certificate. Sending and the security log are injected.
 */
import type { DeliveryOutcome } from "../model/certificates.ts";
import type { SecurityEventKind } from "../store/security_events.ts";
import type { StationPki } from "./station_pki.ts";

export interface EnrolmentDeps {
  pki: StationPki;
  /** Sends CertificateSigned; resolves with what became of it (never rejects). */
  sendCertificate: (chargePointId: string, certificateChain: string) => Promise<DeliveryOutcome>;
  securityEvent: (event: { kind: SecurityEventKind; chargePointId: string; reason: string }) => void;
  log: (level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>) => void;
}

export type EnrolmentOutcome =
  | { status: "refused"; reason: string }
  | { status: "delivered"; serialNumber: string; outcome: DeliveryOutcome };

export class Enrolment {
  constructor(private readonly deps: EnrolmentDeps) {}

  /** Signs `csr` for `chargePointId` and sends the chain; never throws (the outcome says what happened). */
  async complete(chargePointId: string, csr: string, cpoName: string | null): Promise<EnrolmentOutcome> {
    const { pki, sendCertificate, securityEvent } = this.deps;
    const signed = await pki.signCertificate(chargePointId, csr, { cpoName });
    if (!signed.ok) {
      // Checked before answering; only a change in between (e.g. CpoName) gets here.
      securityEvent({
        kind: "csr_rejected",
        chargePointId,
        reason: `SignCertificate refused: ${signed.reason}`,
      });
      return { status: "refused", reason: signed.reason };
    }
    const { serialNumber, notAfter } = signed.certificate;
    securityEvent({
      kind: "certificate_issued",
      chargePointId,
      reason: `Certificate ${serialNumber} issued (${signed.certificate.key}, valid until ${notAfter})`,
    });
    const outcome = await sendCertificate(chargePointId, signed.chain);
    securityEvent({ ...deliveryEvent(serialNumber, outcome), chargePointId });
    await this.#record(chargePointId, serialNumber, outcome);
    return { status: "delivered", serialNumber, outcome };
  }

  /**
   * A store that fails leaves the certificate pending (never counted as the station's); the outcome is not lost
   * for the operator: the security event above says it and the log line here names the serial.
   */
  async #record(chargePointId: string, serialNumber: string, outcome: DeliveryOutcome): Promise<void> {
    const { pki, log } = this.deps;
    const fields = { chargePointId, serialNumber, delivery: outcome.delivery, detail: outcome.detail };
    try {
      await pki.recordDelivery(serialNumber, outcome);
      log(outcome.delivery === "accepted" ? "info" : "warn", "certificate delivery recorded", fields);
    } catch (error) {
      log("error", "certificate delivery not recorded: it stays pending", {
        ...fields,
        error: String(error),
      });
    }
  }
}

const EVENT_OF: Record<DeliveryOutcome["delivery"], SecurityEventKind> = {
  accepted: "certificate_installed",
  rejected: "certificate_signed_rejected",
  undelivered: "certificate_signed_undelivered",
};

/** The security event of a delivery's outcome (without its station). */
export function deliveryEvent(
  serialNumber: string,
  outcome: DeliveryOutcome,
): { kind: SecurityEventKind; reason: string } {
  return { kind: EVENT_OF[outcome.delivery], reason: reasonOf(serialNumber, outcome) };
}

function reasonOf(serialNumber: string, outcome: DeliveryOutcome): string {
  if (outcome.delivery === "accepted") {
    return `Certificate ${serialNumber} installed (CertificateSigned Accepted)`;
  }
  const what = outcome.delivery === "rejected" ? "rejected by the station" : "not delivered";
  return `Certificate ${serialNumber} ${what}: ${
    outcome.detail ?? "no detail"
  }; it is not the station's certificate`;
}
