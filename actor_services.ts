/**
 * What the Security extension gives the actors, built at the composition root (server.ts): the CSR check for
 * SignCertificate, the follow-up that signs an accepted CSR and sends CertificateSigned, and the renewal scan
 * that asks stations near expiry for a new CSR (ExtendedTriggerMessage SignChargePointCertificate; OCPP 2.0.1:
 * TriggerMessage SignChargingStationCertificate). The
 * actors see only the small interfaces of actors/deps.ts; this file ties them to the registry and the PKI.
 */
import { deliveryOf, deliveryOfAnswer } from "./actors/certificate_delivery.ts";
import type { ActorDeps } from "./actors/deps.ts";
import type { Registry } from "./actors/registry.ts";
import { triggerOutcomeOf } from "./actors/trigger_answer.ts";
import type { SecurityExtension } from "./files/security_extension.ts";
import type { LoopFailures } from "./fleet/loop_failures.ts";
import type { Logger } from "./logger.ts";
import { Enrolment } from "./pki/enrolment.ts";
import { CertificateRedelivery } from "./pki/redelivery.ts";
import { CertificateRenewal } from "./pki/renewal.ts";
import type { SecurityEventLog } from "./security/security_events.ts";

/** `requestedBy` of the commands the Central System sends by itself, in the command log. */
export const PKI_PRINCIPAL = "csms:pki";

/**
 * The actors' Security extension services (`deps`); `redeliverAtBoot()`, which sends an undelivered certificate
 * to its station again as it boots (pki/redelivery.ts, the outcome recorded by the same enrolment); and
 * `close()`, which ends the retries of certificate delivery outcomes the store failed to write and waits
 * (bounded) for the writes in flight (the server stops).
 */
export function actorSecurityServices(
  extension: SecurityExtension,
  events: SecurityEventLog,
  logger: Logger,
  registry: () => Registry,
): {
  deps: Pick<ActorDeps, "csr" | "followUps" | "lateAnswers" | "securityEvents">;
  redeliverAtBoot: (chargePointId: string) => Promise<unknown>;
  close: () => Promise<void>;
} {
  const enrolment = new Enrolment({
    pki: extension.pki,
    sendCertificate: (chargePointId, certificateChain) =>
      deliveryOf(
        registry().call(chargePointId, "CertificateSigned", { certificateChain }, {
          requestedBy: PKI_PRINCIPAL,
        }),
      ),
    securityEvent: (event) => events.record(event),
    log: (level, msg, fields) => logger[level](msg, fields),
  });
  const deps: Pick<ActorDeps, "csr" | "followUps" | "lateAnswers" | "securityEvents"> = {
    securityEvents: events,
    csr: {
      check: (csr, expect) => extension.pki.checkCsr(expect.chargePointId, csr, { cpoName: expect.cpoName }),
    },
    followUps: async (chargePointId, followUp) => {
      if (followUp.type === "signCertificate") {
        await enrolment.complete(chargePointId, followUp.csr, followUp.cpoName);
      }
    },
    // A station slow to install its certificate answers after the timeout: that answer still decides.
    lateAnswers: (chargePointId, call, outcome) => {
      if (call.action !== "CertificateSigned") return;
      const { certificateChain } = call.payload as { certificateChain: string };
      enrolment.lateAnswer(chargePointId, certificateChain, deliveryOfAnswer(outcome));
    },
  };
  const redelivery = new CertificateRedelivery({
    pki: extension.pki,
    redeliver: (chargePointId, serialNumber, chain) =>
      enrolment.redeliver(chargePointId, serialNumber, chain),
    log: (level, msg, fields) => logger[level](msg, fields),
  });
  return {
    deps,
    redeliverAtBoot: (chargePointId) => redelivery.atBoot(chargePointId),
    close: () => enrolment.close(),
  };
}

/**
 * The renewal scan, every `intervalMs`, of the stations connected to this process (each node of a cluster
 * asks its own), through the registry. Only an answer counts as asked (`triggerOutcomeOf`).
 */
export function certificateRenewal(
  extension: SecurityExtension,
  registry: Registry,
  logger: Logger,
  intervalMs: number,
  /** Where scans failing in a row become the admins' server warning. */
  loopFailures?: LoopFailures,
): CertificateRenewal {
  return new CertificateRenewal({
    pki: extension.pki,
    intervalMs,
    stationsHere: () => registry.list().map((s) => s.id),
    isConnected: (id) => registry.isConnectedHere(id),
    trigger: async (certificate) => {
      const id = certificate.chargePointId;
      // OCPP 2.0.1 asks with TriggerMessage (Part 2 A02), 1.6 with the Security extension's trigger.
      const answer = registry.get(id)?.dialect.protocol.subprotocol === "ocpp2.0.1"
        ? registry.send(id, "TriggerMessage", { requestedMessage: "SignChargingStationCertificate" }, {
          requestedBy: PKI_PRINCIPAL,
        }) as Promise<{ status: string }>
        : registry.call(id, "ExtendedTriggerMessage", { requestedMessage: "SignChargePointCertificate" }, {
          requestedBy: PKI_PRINCIPAL,
        });
      const { outcome, detail } = await triggerOutcomeOf(answer);
      const fields = {
        chargePointId: id,
        serialNumber: certificate.serialNumber,
        notAfter: certificate.notAfter,
      };
      if (outcome === "unanswered") {
        logger.warn("certificate renewal not answered: asked again at the next scan", {
          ...fields,
          error: detail,
        });
      } else if (outcome === "timedOut") {
        logger.warn("certificate renewal not answered in time: asked again after a back-off", {
          ...fields,
          unansweredBefore: certificate.renewalUnanswered,
          error: detail,
        });
      } else {
        logger.info("certificate renewal asked", { ...fields, status: detail });
      }
      return outcome;
    },
    onError: (error) => {
      logger.error("certificate renewal scan failed", { error: String(error) });
      loopFailures?.failed("certificate-renewal", error);
    },
    onScanned: () => loopFailures?.worked("certificate-renewal"),
  });
}
