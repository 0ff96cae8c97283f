/**
 * Settles the certificates whose delivery nobody will record: a certificate is recorded pending before its
 * CertificateSigned goes out (`enrolment.ts`), and a server killed before the station's answer leaves it
 * pending for ever. One still pending `settleAfterMs` after it was signed, longer than any node waits for the
 * answer (PKI_PENDING_SETTLE_S, at least the command answer bound: config.ts), is recorded `undelivered`. The
 * node that sent it cannot still be waiting; should it record the station's answer later all the same (its
 * store write retried), the answer replaces `undelivered` (model/certificates.ts, `replacesDelivery`).
 *
 * Several processes on one store: a round runs only while this process holds the lease (`lease()`, the fleet's
 * named leases, as file retention does); each certificate is settled by one store call only (the store's
 * guard), so overlapping rounds neither settle nor report one twice. Each settled certificate is a
 * `certificate_signed_undelivered` security event, the first `eventsPerRound` of a round one by one and the rest
 * in one summary, so a sweep of thousands (a long outage) does not flood the log.
 *
 * @example
 * ```ts ignore
 * const sweep = new PendingDeliverySweep({ pki, lease, securityEvent: (e) => events.record(e),
 *   settings: { settleAfterMs: 600_000, batch: 500, eventsPerRound: 20 } });
 * const settled = await sweep.tick(); // 3, or null when another process holds the lease
 * ```
 */
import type { IssuedCertificate } from "../model/certificates.ts";
import type { SecurityEventKind } from "../store/security_events.ts";
import { deliveryEvent } from "./enrolment.ts";
import type { StationPki } from "./station_pki.ts";

export interface PendingDeliverySweepSettings {
  /** A certificate still pending this long after it was signed is recorded undelivered. */
  settleAfterMs: number;
  /** Certificates per store call. */
  batch: number;
  /** Certificates named in their own security event per round at most; the rest are counted in one more. */
  eventsPerRound: number;
  /** Pause between batches, so the store keeps serving stations. */
  pauseMs?: number;
}

export interface PendingDeliverySweepDeps {
  pki: Pick<StationPki, "settlePendingDeliveries">;
  /** Takes (or renews) the cluster-wide lease of this sweep; false when another process holds it. */
  lease: () => Promise<boolean>;
  securityEvent: (event: { kind: SecurityEventKind; chargePointId: string | null; reason: string }) => void;
  settings: PendingDeliverySweepSettings;
}

/** Stations named in a round's summary event at most. */
const SUMMARY_STATIONS = 10;

export class PendingDeliverySweep {
  constructor(private readonly deps: PendingDeliverySweepDeps) {}

  /** The `deliveryDetail` of a certificate this sweep settles. */
  get detail(): string {
    return `No outcome recorded within ${
      Math.round(this.deps.settings.settleAfterMs / 1000)
    } s of signing: the server may have restarted before the station answered`;
  }

  /** One round; how many certificates it settled, or null when another process holds the lease. */
  async tick(): Promise<number | null> {
    if (!await this.deps.lease()) return null;
    const { pki, settings } = this.deps;
    const { batch, pauseMs = 50 } = settings;
    const unnamed: IssuedCertificate[] = [];
    let total = 0;
    for (;;) {
      const settled = await pki.settlePendingDeliveries({
        olderThanMs: settings.settleAfterMs,
        detail: this.detail,
        limit: batch,
      });
      for (const certificate of settled) {
        if (total++ < settings.eventsPerRound) this.#report(certificate);
        else unnamed.push(certificate);
      }
      if (settled.length < batch) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    if (unnamed.length > 0) this.#summarise(unnamed);
    return total;
  }

  #report(certificate: IssuedCertificate): void {
    const { kind, reason } = deliveryEvent(certificate.serialNumber, {
      delivery: "undelivered",
      detail: this.detail,
    });
    this.deps.securityEvent({ kind, chargePointId: certificate.chargePointId, reason });
  }

  #summarise(certificates: IssuedCertificate[]): void {
    const stations = [...new Set(certificates.map((c) => c.chargePointId))];
    const named = stations.slice(0, SUMMARY_STATIONS).map((id) => JSON.stringify(id)).join(", ");
    const more = stations.length > SUMMARY_STATIONS ? ` and ${stations.length - SUMMARY_STATIONS} more` : "";
    this.deps.securityEvent({
      kind: "certificate_signed_undelivered",
      chargePointId: null,
      reason:
        `${certificates.length} more certificates not delivered (stations ${named}${more}): ${this.detail}; ` +
        "they are not their stations' certificates",
    });
  }
}
