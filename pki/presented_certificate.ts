/**
 * A profile 3 station's client certificate, as the trusted proxy forwarded it at the handshake: when it is one
 * we issued to that very station (same serial, same SHA-256 fingerprint, same charge point id) and its
 * CertificateSigned outcome is still `pending` or `undelivered`, the station proved it installed it (the
 * proxy verified that it holds its key), so it is recorded `accepted`, with the `certificate_installed`
 * security event of an acceptance. This settles an acceptance the store failed to write (enrolment retries it
 * only while its process runs) and an answer the connection lost, with no durable write while the store was
 * down: the next connection does it. Any other certificate changes nothing.
 *
 * @example
 * ```ts ignore
 * const presented = new PresentedCertificates({ pki, securityEvent, log });
 * await presented.record("CP-1", forwardedPem);
 * ```
 */
import type { IssuedCertificate } from "../model/certificates.ts";
import type { SecurityEventKind } from "../store/security_events.ts";
import type { StationPki } from "./station_pki.ts";
import { x509 } from "./x509.ts";

export interface PresentedCertificateDeps {
  pki: StationPki;
  securityEvent: (event: { kind: SecurityEventKind; chargePointId: string; reason: string }) => void;
  log: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
}

/** What `record()` did, for tests and the log. */
export type PresentedOutcome = "recorded" | "known" | "not_ours" | "unreadable" | "failed";

export const PRESENTED_DETAIL = "The station connected with it (security profile 3 client certificate)";

export class PresentedCertificates {
  constructor(private readonly deps: PresentedCertificateDeps) {}

  /** Never throws: a store that fails leaves the certificate as it was, for the station's next connection. */
  async record(chargePointId: string, pem: string): Promise<PresentedOutcome> {
    const { pki, log } = this.deps;
    let presented: { serialNumber: string; fingerprintSha256: string };
    try {
      presented = await identify(pem);
    } catch (error) {
      log("warn", "client certificate forwarded by the proxy is unreadable", {
        chargePointId,
        error: String(error),
      });
      return "unreadable";
    }
    const { serialNumber } = presented;
    try {
      const issued = await pki.issuedCertificate(serialNumber);
      if (!issued || !issuedTo(issued, chargePointId, presented.fingerprintSha256)) {
        // Another CA's certificate (one nginx also trusts) may share a serial with one of ours: not ours.
        if (issued) {
          log("warn", "client certificate carries the serial of one we issued but is not that certificate", {
            chargePointId,
            serialNumber,
            issuedTo: issued.chargePointId,
          });
        }
        return "not_ours";
      }
      if (issued.delivery !== "pending" && issued.delivery !== "undelivered") return "known";
      const at = pki.now();
      const stored = await pki.recordDelivery(serialNumber, {
        delivery: "accepted",
        detail: PRESENTED_DETAIL,
      }, at);
      // Another connection (or the enrolment's own retry) recorded it first: its event was raised there.
      if (stored?.deliveredAt !== at.toISOString() || stored.deliveryDetail !== PRESENTED_DETAIL) {
        return "known";
      }
      log("info", "certificate delivery recorded: the station connected with it", {
        chargePointId,
        serialNumber,
        was: issued.delivery,
        current: stored.current,
      });
      this.deps.securityEvent({
        kind: "certificate_installed",
        chargePointId,
        reason:
          `Certificate ${serialNumber} installed (the station connected with it at security profile 3; ` +
          `its delivery was ${issued.delivery})`,
      });
      return "recorded";
    } catch (error) {
      log(
        "warn",
        "client certificate not checked against the issued ones: tried again at its next connection",
        {
          chargePointId,
          serialNumber,
          error: String(error),
        },
      );
      return "failed";
    }
  }
}

/** Its serial (as we record serials) and SHA-256 fingerprint. */
async function identify(pem: string): Promise<{ serialNumber: string; fingerprintSha256: string }> {
  const certificate = new x509.X509Certificate(pem);
  const fingerprint = new Uint8Array(await certificate.getThumbprint("SHA-256"));
  return {
    serialNumber: certificate.serialNumber.toLowerCase(),
    fingerprintSha256: [...fingerprint].map((b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

function issuedTo(issued: IssuedCertificate, chargePointId: string, fingerprintSha256: string): boolean {
  return issued.chargePointId === chargePointId && issued.fingerprintSha256 === fingerprintSha256;
}
