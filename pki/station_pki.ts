/**
 * The station PKI as the rest of the system uses it: the CA (the operator's, from PEM, or the one generated at
 * first start and kept in the store), signing a station's CSR into a certificate (checked first, recorded with
 * serial and expiry, pending delivery), what became of its delivery (only an accepted one becomes the
 * station's current certificate), and the current certificates due for renewal.
 *
 * @example
 * ```ts ignore
 * const pki = await StationPki.open({ store, now: () => new Date(), settings: DEFAULT_PKI_SETTINGS });
 * const result = await pki.signCertificate("CP-1", csrPem, { cpoName: "Acme" });
 * if (result.ok) {
 *   const { status } = await registry.call("CP-1", "CertificateSigned", { certificateChain: result.chain });
 *   const delivery = status === "Accepted" ? "accepted" : "rejected";
 *   await pki.recordDelivery(result.certificate.serialNumber, { delivery, detail: null });
 * }
 * ```
 */
import type { ListCursor } from "../model/list_cursor.ts";
import type { DeliveryOutcome, IssuedCertificate, SignedCertificate } from "../model/certificates.ts";
import type { PkiStore } from "../store/pki_store.ts";
import { type CaMaterial, CertificateAuthority } from "./ca.ts";
import { checkCsr } from "./csr.ts";
import { issueCertificate } from "./issue.ts";
import { DEFAULT_MIN_RSA_BITS } from "./keys.ts";
import { x509 } from "./x509.ts";

export interface PkiSettings {
  /** Subject of a generated CA. */
  caSubject: string;
  /** Validity of the station certificates we sign. */
  certificateValidityDays: number;
  /** Renewal is asked for this long before a station's certificate expires. */
  renewBeforeDays: number;
  minRsaBits: number;
  /** A station gets at most one certificate this often (a flood of SignCertificate is refused, not signed). */
  minReissueS: number;
}

export const DEFAULT_PKI_SETTINGS: PkiSettings = {
  caSubject: "CN=OCPP CSMS Station CA, O=OCPP CSMS",
  certificateValidityDays: 365,
  renewBeforeDays: 30,
  minRsaBits: DEFAULT_MIN_RSA_BITS,
  minReissueS: 0,
};

export type SignResult =
  | { ok: true; chain: string; certificate: SignedCertificate }
  | { ok: false; reason: string };

const DAY_MS = 24 * 3600_000;

export class StationPki {
  /** Stations whose certificate is being signed: their signings run one after another. */
  readonly #signing = new Map<string, Promise<unknown>>();

  private constructor(
    readonly ca: CertificateAuthority,
    /** "operator": given by path; "generated": made at first start and kept in the store. */
    readonly caSource: "operator" | "generated",
    private readonly store: PkiStore,
    /** The PKI's clock: signing times, and when an outcome became known. */
    readonly now: () => Date,
    readonly settings: PkiSettings,
  ) {}

  /**
   * Uses `operatorCa` when given; else the CA in the store; else generates one and stores it (when several
   * processes start at once on one store, they all end up with the first one stored).
   */
  static async open(options: {
    store: PkiStore;
    now: () => Date;
    settings?: Partial<PkiSettings>;
    operatorCa?: CaMaterial | null;
  }): Promise<StationPki> {
    const settings = { ...DEFAULT_PKI_SETTINGS, ...options.settings };
    if (options.operatorCa) {
      const ca = await CertificateAuthority.fromPem(
        options.operatorCa.certificatePem,
        options.operatorCa.privateKeyPem,
      );
      return new StationPki(ca, "operator", options.store, options.now, settings);
    }
    let stored = await options.store.getCa();
    if (stored === null) {
      const generated = await CertificateAuthority.generate({
        now: options.now(),
        subject: settings.caSubject,
      });
      stored = await options.store.putCaIfAbsent({
        ...(await generated.material()),
        createdAt: options.now().toISOString(),
      });
    }
    const ca = await CertificateAuthority.fromPem(stored.certificatePem, stored.privateKeyPem);
    return new StationPki(ca, "generated", options.store, options.now, settings);
  }

  /** The CA certificate (and its issuers), PEM: what nginx's `ssl_client_certificate` needs. */
  get caPem(): string {
    return this.ca.pem;
  }

  /** Only the checks of `signCertificate` (see `csr.ts`): for answering SignCertificate before signing. */
  async checkCsr(
    chargePointId: string,
    csrPem: string,
    station: { cpoName?: string | null } = {},
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    // The CSR's own faults first: a station that sent no CSR, or a broken one, must hear that, not "too soon".
    const check = await checkCsr(csrPem, {
      chargePointId,
      cpoName: station.cpoName ?? null,
      minRsaBits: this.settings.minRsaBits,
    });
    if (!check.ok) return check;
    if (this.#signing.has(chargePointId)) {
      return { ok: false, reason: `a certificate for "${chargePointId}" is being issued` };
    }
    const soon = await this.#reissueProblem(chargePointId);
    return soon ? { ok: false, reason: soon } : { ok: true };
  }

  /**
   * Checks `csrPem` for station `chargePointId` (see `csr.ts`), signs it and records the certificate (pending
   * delivery: nobody's until `recordDelivery()` says its station accepted it) before returning it; a refusal
   * says why, for the station's SignCertificate answer and the security log.
   */
  signCertificate(
    chargePointId: string,
    csrPem: string,
    station: { cpoName?: string | null } = {},
  ): Promise<SignResult> {
    const previous = this.#signing.get(chargePointId) ?? Promise.resolve();
    const signing = previous.then(() => this.#sign(chargePointId, csrPem, station));
    this.#signing.set(chargePointId, signing);
    void signing.finally(() => {
      if (this.#signing.get(chargePointId) === signing) this.#signing.delete(chargePointId);
    }).catch(() => {});
    return signing;
  }

  async #sign(
    chargePointId: string,
    csrPem: string,
    station: { cpoName?: string | null },
  ): Promise<SignResult> {
    const check = await checkCsr(csrPem, {
      chargePointId,
      cpoName: station.cpoName ?? null,
      minRsaBits: this.settings.minRsaBits,
    });
    if (!check.ok) return check;
    const soon = await this.#reissueProblem(chargePointId);
    if (soon) return { ok: false, reason: soon };
    const issued = await issueCertificate(this.ca, check.request, {
      chargePointId,
      key: check.key,
      now: this.now(),
      validityDays: this.settings.certificateValidityDays,
    });
    await this.store.addIssuedCertificate(issued.record);
    return { ok: true, chain: issued.chain, certificate: issued.record };
  }

  /**
   * Records what became of the CertificateSigned carrying certificate `serialNumber`, at `at` (default now: a
   * write retried later keeps the time the outcome was known); null for a serial we did not issue. See
   * PkiStore.recordDelivery.
   */
  recordDelivery(
    serialNumber: string,
    outcome: DeliveryOutcome,
    at: Date = this.now(),
  ): Promise<IssuedCertificate | null> {
    return this.store.recordDelivery(serialNumber, outcome, at.toISOString());
  }

  /**
   * Records certificates signed more than `olderThanMs` ago and still pending as undelivered with `detail`,
   * now: at most `limit`, oldest first; the ones settled. See PkiStore.settlePendingDeliveries.
   */
  settlePendingDeliveries(
    options: { olderThanMs: number; detail: string; limit: number },
  ): Promise<IssuedCertificate[]> {
    const now = this.now();
    return this.store.settlePendingDeliveries({
      issuedBefore: new Date(now.getTime() - options.olderThanMs).toISOString(),
      detail: options.detail,
      at: now.toISOString(),
      limit: options.limit,
    });
  }

  /**
   * Why `chargePointId` may not have another certificate yet (one was issued within `minReissueS`, whatever
   * became of its delivery: the limit is on signing), or null.
   */
  async #reissueProblem(chargePointId: string): Promise<string | null> {
    if (this.settings.minReissueS === 0) return null;
    const [latest] = await this.store.listIssuedCertificates({ chargePointId, limit: 1 });
    if (!latest) return null;
    const next = Date.parse(latest.issuedAt) + this.settings.minReissueS * 1000;
    if (this.now().getTime() >= next) return null;
    return `a certificate was issued for "${chargePointId}" at ${latest.issuedAt}; ask again after ${
      new Date(next).toISOString()
    }`;
  }

  /**
   * Each station's current certificate (the newest it accepted) expiring within `renewBeforeDays`, whose
   * renewal was not asked for in the last `retryAfterMs` and which is not backing off (`markRenewalUnanswered`);
   * only those of `chargePointIds` when given.
   */
  dueForRenewal(
    options: { limit: number; retryAfterMs: number; chargePointIds?: readonly string[] },
  ): Promise<IssuedCertificate[]> {
    const now = this.now().getTime();
    return this.store.listDueForRenewal({
      notAfterBefore: new Date(now + this.settings.renewBeforeDays * DAY_MS).toISOString(),
      requestedBefore: new Date(now - options.retryAfterMs).toISOString(),
      now: new Date(now).toISOString(),
      limit: options.limit,
      ...(options.chargePointIds ? { chargePointIds: options.chargePointIds } : {}),
    });
  }

  markRenewalRequested(serialNumber: string): Promise<void> {
    return this.store.markRenewalRequested(serialNumber, this.now().toISOString());
  }

  /**
   * A renewal trigger got no answer in time: the certificate is left alone `baseMs` doubled per such trigger in
   * a row, `maxMs` at most (model/certificates.ts `renewalBackoffMs`), in the store, so every node agrees.
   */
  markRenewalUnanswered(serialNumber: string, backoff: { baseMs: number; maxMs: number }): Promise<void> {
    return this.store.markRenewalUnanswered(serialNumber, { at: this.now().toISOString(), ...backoff });
  }

  /** See PkiStore.claimRedelivery; now. */
  claimRedelivery(serialNumber: string): Promise<boolean> {
    return this.store.claimRedelivery(serialNumber, this.now().toISOString());
  }

  /**
   * The CertificateSigned chain of a certificate we issued, as it was sent (the leaf, then the CA certificates
   * above it), or null when the CA that signs now did not sign it (an operator's CA replaced since).
   */
  async chainOf(certificate: IssuedCertificate): Promise<string | null> {
    const leaf = new x509.X509Certificate(certificate.certificatePem);
    if (leaf.issuer !== this.ca.certificate.subject) return null;
    if (!await leaf.verify({ publicKey: this.ca.certificate.publicKey, signatureOnly: true })) return null;
    return [leaf, ...this.ca.chainAboveLeaf].map((c) => c.toString("pem")).join("\n") + "\n";
  }

  /** The certificate we issued with `serialNumber` (hex, lower case), or null. */
  issuedCertificate(serialNumber: string): Promise<IssuedCertificate | null> {
    return this.store.getIssuedCertificate(serialNumber);
  }

  /** The certificate `chargePointId` installed last (see IssuedCertificate.current), or null. */
  currentCertificate(chargePointId: string): Promise<IssuedCertificate | null> {
    return this.store.getCurrentCertificate(chargePointId);
  }

  /** Newest first; `before`: the page after that cursor (see model/list_cursor.ts). */
  listCertificates(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<IssuedCertificate[]> {
    return this.store.listIssuedCertificates(query);
  }
}
