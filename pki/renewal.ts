/**
 * Certificate renewal (OCPP 1.6 Security Whitepaper ed. 3, use case A02): every `intervalMs` the stations
 * connected to this process whose current certificate expires within PKI_RENEW_BEFORE_DAYS are asked, with
 * ExtendedTriggerMessage SignChargePointCertificate, to send a new CSR (SignCertificate). Each process asks its
 * own stations (in a cluster every node runs the scan, and a station is asked by the node holding it), and
 * the scan reads only their certificates, so stations offline or held elsewhere never fill its page.
 *
 * Only an answered trigger counts as asked: after Accepted, or any refusal the station answered (Rejected,
 * NotImplemented, a CALLERROR), it is asked again after `retryAfterMs` (it heard us; a station that said no
 * is not pestered every scan). A trigger that got no answer (the station disconnected with it in flight, was
 * not connected) is not counted: the next scan asks again, wherever the station reconnected. One the station
 * stayed connected for and did not answer in time (`timedOut`) is not counted either, but the station is left
 * alone a while: the scan interval doubled per such trigger in a row, `retryAfterMs` at most, recorded in the
 * store (`markRenewalUnanswered`) so every node of a cluster keeps to it; an answer ends it. Without it a
 * station that never answers the trigger would be asked at every scan, on whichever node holds it. The sending
 * is injected (`trigger`), so this knows nothing of sockets.
 */
import type { IssuedCertificate } from "../model/certificates.ts";
import type { StationPki } from "./station_pki.ts";

export type TriggerOutcome = "accepted" | "refused" | "unanswered" | "timedOut";

export interface RenewalOptions {
  pki: StationPki;
  /** Sends ExtendedTriggerMessage SignChargePointCertificate; says what became of it. */
  trigger: (certificate: IssuedCertificate) => Promise<TriggerOutcome>;
  /** The stations connected to this process now: the only ones it asks. */
  stationsHere: () => readonly string[];
  isConnected: (chargePointId: string) => boolean;
  /** How often to scan (default 10 minutes). */
  intervalMs?: number;
  /** How long before a station that answered is asked again (default 6 hours). */
  retryAfterMs?: number;
  /** Stations asked per scan at most (default 100). */
  batch?: number;
  onError?: (error: unknown) => void;
  /** A timed scan ended without error (the server's warning of scans failing in a row is cleared). */
  onScanned?: () => void;
}

export class CertificateRenewal {
  readonly #options:
    & Required<Omit<RenewalOptions, "onError" | "onScanned">>
    & Pick<RenewalOptions, "onError" | "onScanned">;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<number> | null = null;
  /** Set by `stop()`: the scan under way asks no further station. */
  #stopping = false;

  constructor(options: RenewalOptions) {
    this.#options = { intervalMs: 600_000, retryAfterMs: 6 * 3600_000, batch: 100, ...options };
  }

  start(): void {
    this.#stopping = false;
    this.#timer ??= setInterval(
      () => void this.scan().then(() => this.#options.onScanned?.(), (e) => this.#options.onError?.(e)),
      this.#options.intervalMs,
    );
  }

  /**
   * Stops the scans; resolves once the one under way ends. A trigger it is waiting for ends when its station
   * closes (the server closes them after calling this), and is then not counted as asked.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One scan (one at a time); returns how many stations accepted the trigger. */
  scan(): Promise<number> {
    this.#running ??= this.#scan().finally(() => (this.#running = null));
    return this.#running;
  }

  async #scan(): Promise<number> {
    const { pki, trigger, stationsHere, isConnected, retryAfterMs, batch, intervalMs } = this.#options;
    const here = stationsHere();
    if (here.length === 0) return 0;
    const due = await pki.dueForRenewal({ limit: batch, retryAfterMs, chargePointIds: here });
    let accepted = 0;
    for (const certificate of due) {
      if (this.#stopping) break;
      if (!isConnected(certificate.chargePointId)) continue;
      const outcome = await trigger(certificate).catch(() => "unanswered" as const);
      // Unanswered: the station may never have seen it; asked again at the next scan.
      if (outcome === "unanswered" || this.#stopping) continue;
      // Connected and silent: asked again after a back-off that doubles while it stays so.
      if (outcome === "timedOut") {
        await pki.markRenewalUnanswered(certificate.serialNumber, {
          baseMs: intervalMs,
          maxMs: retryAfterMs,
        });
        continue;
      }
      // Answered, Accepted or not: not again before retryAfterMs.
      await pki.markRenewalRequested(certificate.serialNumber);
      if (outcome === "accepted") accepted++;
    }
    return accepted;
  }
}
