/**
 * The second half of SignCertificate (OCPP 1.6 Security Whitepaper ed. 3, use cases A02/A03): after the
 * station's CSR was checked and answered Accepted, sign it, record the certificate, and send it to the station
 * with CertificateSigned. Runs after the answer, outside the station's inbound turn (the CALL goes through the
 * actor's mailbox like any command), so a station is never kept waiting on its own certificate. Sending and
 * the security log are injected.
 */
import type { SecurityEventKind } from "../store/security_events.ts";
import type { StationPki } from "./station_pki.ts";

export interface EnrolmentDeps {
  pki: StationPki;
  /** Sends CertificateSigned; resolves with the station's status (`Accepted`, `Rejected`). */
  sendCertificate: (chargePointId: string, certificateChain: string) => Promise<string>;
  securityEvent: (event: { kind: SecurityEventKind; chargePointId: string; reason: string }) => void;
  log: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
}

export type EnrolmentOutcome =
  | { status: "sent"; serialNumber: string; answer: string }
  | { status: "refused"; reason: string }
  | { status: "failed"; serialNumber: string; error: string };

export class Enrolment {
  constructor(private readonly deps: EnrolmentDeps) {}

  /** Signs `csr` for `chargePointId` and sends the chain; never throws (the outcome says what happened). */
  async complete(chargePointId: string, csr: string, cpoName: string | null): Promise<EnrolmentOutcome> {
    const { pki, sendCertificate, securityEvent, log } = this.deps;
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
    try {
      const answer = await sendCertificate(chargePointId, signed.chain);
      log(answer === "Accepted" ? "info" : "warn", "certificate sent", { serialNumber, answer });
      return { status: "sent", serialNumber, answer };
    } catch (error) {
      log("warn", "certificate not delivered", { serialNumber, error: String(error) });
      return { status: "failed", serialNumber, error: String(error) };
    }
  }
}
