/**
 * The second half of SignCertificate (OCPP 1.6 Security Whitepaper ed. 3, use cases A02/A03): after the
 * station's CSR was checked and answered Accepted, sign it, record the certificate (pending delivery), send it
 * to the station with CertificateSigned and record what became of that: only a certificate the station
 * Accepted becomes its current one (renewed, shown as its certificate); a rejected or undelivered one is kept
 * for the record and reported as a security event. Runs after the answer, outside the station's inbound turn
 * (the CALL goes through the actor's mailbox like any command), so a station is never kept waiting on its own
 * certificate. A failed write of the outcome is retried (RecordRetry); one that a crash or a long outage
 * leaves unwritten is settled by `pending_delivery_sweep.ts`. Sending and the security log are injected.
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
  /** How a failed write of an outcome is retried (default `DEFAULT_RECORD_RETRY`). */
  retry?: RecordRetry;
  /** How long `close()` waits for the enrolments under way (default 5000 ms). */
  closeWaitMs?: number;
}

/**
 * Retries of an outcome the store failed to write (e.g. PostgreSQL restarting). Each failure waits the next of
 * `delaysMs`; when they are spent, a rejected or undelivered outcome is given up (the sweep of stale pending
 * certificates records it undelivered: nobody's either way, and the security event said what it was), while an
 * accepted one is tried every `acceptedEveryMs` for as long as this process runs: the station uses that
 * certificate, and only a current certificate is renewed, so losing its acceptance would let it expire unasked.
 */
export interface RecordRetry {
  delaysMs: readonly number[];
  acceptedEveryMs: number;
}

/** About 15 s of fast retries (a database restart), then an accepted outcome every minute. */
export const DEFAULT_RECORD_RETRY: RecordRetry = {
  delaysMs: [500, 1000, 2000, 4000, 8000],
  acceptedEveryMs: 60_000,
};

export type EnrolmentOutcome =
  | { status: "refused"; reason: string }
  | { status: "delivered"; serialNumber: string; outcome: DeliveryOutcome };

export class Enrolment {
  readonly #retry: RecordRetry;
  /** The waits between retries now running, ended at once by `close()`. */
  readonly #waits = new Set<() => void>();
  /** Enrolments under way (signing, sending, writing the outcome), which `close()` waits for. */
  readonly #running = new Set<Promise<unknown>>();
  /**
   * The certificates whose CertificateSigned got no answer, by station and chain, newest last (bounded): a
   * station may still answer it late (`lateAnswer`).
   */
  readonly #unanswered = new Map<string, string>();
  #closed = false;

  constructor(private readonly deps: EnrolmentDeps) {
    this.#retry = deps.retry ?? DEFAULT_RECORD_RETRY;
  }

  /**
   * Signs `csr` for `chargePointId` and sends the chain; never throws (the outcome says what happened).
   * Resolves once the outcome is stored, or its retries ended (see RecordRetry).
   */
  complete(chargePointId: string, csr: string, cpoName: string | null): Promise<EnrolmentOutcome> {
    const running = this.#complete(chargePointId, csr, cpoName);
    // The caller handles a failure (a store error while signing); this copy, only waited for, must not be an
    // unhandled rejection (it would end the process).
    const tracked = running.finally(() => this.#running.delete(tracked)).catch(() => {});
    this.#running.add(tracked);
    return running;
  }

  async #complete(chargePointId: string, csr: string, cpoName: string | null): Promise<EnrolmentOutcome> {
    const { pki, securityEvent } = this.deps;
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
    const outcome = await this.#deliver(chargePointId, serialNumber, signed.chain);
    return { status: "delivered", serialNumber, outcome };
  }

  /**
   * Sends certificate `serialNumber` (issued earlier, its chain `certificateChain`) to the station again and
   * records the outcome as `complete()` records a first delivery: its security event, a late answer still
   * heard, the write retried. Never throws. See pki/redelivery.ts for when a certificate is sent again.
   */
  redeliver(chargePointId: string, serialNumber: string, certificateChain: string): Promise<DeliveryOutcome> {
    const running = this.#deliver(chargePointId, serialNumber, certificateChain);
    const tracked = running.finally(() => this.#running.delete(tracked)).catch(() => {});
    this.#running.add(tracked);
    return running;
  }

  /** Sends the chain, reports and records the outcome (see `complete()` and `redeliver()`). */
  async #deliver(chargePointId: string, serialNumber: string, chain: string): Promise<DeliveryOutcome> {
    const { sendCertificate, securityEvent } = this.deps;
    const outcome = await sendCertificate(chargePointId, chain);
    securityEvent({ ...deliveryEvent(serialNumber, outcome), chargePointId });
    if (outcome.delivery === "undelivered") {
      this.#unanswered.set(unansweredKey(chargePointId, chain), serialNumber);
      if (this.#unanswered.size > UNANSWERED_KEPT) {
        this.#unanswered.delete(this.#unanswered.keys().next().value!);
      }
    }
    await this.#record(chargePointId, serialNumber, outcome);
    return outcome;
  }

  /**
   * The station answered a CertificateSigned after it timed out (recorded `undelivered`): its answer is
   * recorded as any other, so a certificate it installed late becomes its own (and is renewed). Only for a
   * chain this enrolment sent that station; any other (an operator's own CertificateSigned) is ignored.
   */
  lateAnswer(chargePointId: string, certificateChain: string, outcome: DeliveryOutcome): void {
    const key = unansweredKey(chargePointId, certificateChain);
    const serialNumber = this.#unanswered.get(key);
    if (serialNumber === undefined || outcome.delivery === "undelivered") return;
    this.#unanswered.delete(key);
    this.deps.securityEvent({ ...deliveryEvent(serialNumber, outcome), chargePointId });
    const recording = this.#record(chargePointId, serialNumber, outcome);
    const tracked = recording.finally(() => this.#running.delete(tracked)).catch(() => {});
    this.#running.add(tracked);
  }

  /**
   * The server stops: ends the retries under way (each outcome not written yet is logged as such), then waits
   * for the writes in flight, at most `closeWaitMs`, so none of them meets a closed store. One still running
   * then is logged; its certificate stays pending until the sweep settles it.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const end of this.#waits) end();
    if (this.#running.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), this.deps.closeWaitMs ?? 5000);
    });
    const settled = Promise.allSettled([...this.#running]).then(() => false);
    try {
      if (await Promise.race([settled, timedOut])) {
        this.deps.log("error", "certificate deliveries still being recorded when the server stops", {
          enrolments: this.#running.size,
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Writes the outcome, retried as RecordRetry says. One never written leaves the certificate pending until
   * the sweep records it undelivered; it is not lost for the operator: the security event above says it and the
   * log line here names the serial.
   */
  async #record(chargePointId: string, serialNumber: string, outcome: DeliveryOutcome): Promise<void> {
    const { pki, log } = this.deps;
    const { delaysMs, acceptedEveryMs } = this.#retry;
    const fields = { chargePointId, serialNumber, delivery: outcome.delivery, detail: outcome.detail };
    const knownAt = pki.now();
    for (let attempt = 1;; attempt++) {
      try {
        await pki.recordDelivery(serialNumber, outcome, knownAt);
        const level = outcome.delivery === "accepted" ? "info" : "warn";
        log(
          level,
          "certificate delivery recorded",
          attempt === 1 ? fields : { ...fields, attempts: attempt },
        );
        return;
      } catch (error) {
        const failed = { ...fields, attempts: attempt, error: String(error) };
        const delay = delaysMs[attempt - 1] ??
          (outcome.delivery === "accepted" ? acceptedEveryMs : null);
        if (delay === null) {
          log(
            "error",
            "certificate delivery not recorded: it stays pending until the sweep settles it",
            failed,
          );
          return;
        }
        if (attempt <= delaysMs.length) {
          log("warn", "certificate delivery not recorded yet: retrying", { ...failed, retryInMs: delay });
        } else if (attempt === delaysMs.length + 1) {
          // Said once; the slow retries that follow are quiet until one works.
          log("error", "certificate acceptance not recorded yet: retried until it is", {
            ...failed,
            retryInMs: delay,
          });
        }
        if (!await this.#wait(delay)) {
          log("error", "certificate delivery not recorded: the server stops", failed);
          return;
        }
      }
    }
  }

  /** Waits `ms`; false when closed first. */
  #wait(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.#waits.delete(end);
        resolve(!this.#closed);
      };
      const timer = setTimeout(end, ms);
      this.#waits.add(end);
    });
  }
}

/** How many unanswered certificates are remembered for a late answer (a station answers its own within minutes). */
const UNANSWERED_KEPT = 1000;

function unansweredKey(chargePointId: string, certificateChain: string): string {
  return `${chargePointId}\n${certificateChain}`;
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
