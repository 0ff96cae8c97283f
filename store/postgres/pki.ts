/**
 * The PkiStore on PostgreSQL (migration 009). A station's current certificate is its newest by issued_at;
 * the renewal scan picks each station's newest with `distinct on`.
 */
import type { Sql } from "postgres";
import type { IssuedCertificate, StoredCa } from "../../model/certificates.ts";
import type { PkiStore } from "../pki_store.ts";

interface CertRow {
  serial_number: string;
  charge_point_id: string;
  subject: string;
  key: string;
  not_before: Date;
  not_after: Date;
  fingerprint_sha256: string;
  certificate_pem: string;
  issued_at: Date;
  renewal_requested_at: Date | null;
}

function toCertificate(r: CertRow): IssuedCertificate {
  return {
    serialNumber: r.serial_number,
    chargePointId: r.charge_point_id,
    subject: r.subject,
    key: r.key,
    notBefore: r.not_before.toISOString(),
    notAfter: r.not_after.toISOString(),
    fingerprintSha256: r.fingerprint_sha256,
    certificatePem: r.certificate_pem,
    issuedAt: r.issued_at.toISOString(),
    renewalRequestedAt: r.renewal_requested_at?.toISOString() ?? null,
  };
}

export class PostgresPkiStore implements PkiStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async getCa(): Promise<StoredCa | null> {
    const [row] = await this.#sql<{ certificate_pem: string; private_key_pem: string; created_at: Date }[]>`
      select certificate_pem, private_key_pem, created_at from pki_ca`;
    if (!row) return null;
    return {
      certificatePem: row.certificate_pem,
      privateKeyPem: row.private_key_pem,
      createdAt: row.created_at.toISOString(),
    };
  }

  async putCaIfAbsent(ca: StoredCa): Promise<StoredCa> {
    await this.#sql`
      insert into pki_ca (certificate_pem, private_key_pem, created_at)
      values (${ca.certificatePem}, ${ca.privateKeyPem}, ${ca.createdAt})
      on conflict (singleton) do nothing`;
    return (await this.getCa())!;
  }

  async addIssuedCertificate(c: IssuedCertificate): Promise<void> {
    await this.#sql`
      insert into issued_certificate (serial_number, charge_point_id, subject, key, not_before, not_after,
        fingerprint_sha256, certificate_pem, issued_at, renewal_requested_at)
      values (${c.serialNumber}, ${c.chargePointId}, ${c.subject}, ${c.key}, ${c.notBefore}, ${c.notAfter},
        ${c.fingerprintSha256}, ${c.certificatePem}, ${c.issuedAt}, ${c.renewalRequestedAt})`;
  }

  async getIssuedCertificate(serialNumber: string): Promise<IssuedCertificate | null> {
    const [row] = await this.#sql<CertRow[]>`
      select * from issued_certificate where serial_number = ${serialNumber}`;
    return row ? toCertificate(row) : null;
  }

  async listIssuedCertificates(
    query: { chargePointId?: string; limit: number },
  ): Promise<IssuedCertificate[]> {
    const rows = query.chargePointId === undefined
      ? await this.#sql<CertRow[]>`
          select * from issued_certificate order by issued_at desc, serial_number desc limit ${query.limit}`
      : await this.#sql<CertRow[]>`
          select * from issued_certificate where charge_point_id = ${query.chargePointId}
          order by issued_at desc, serial_number desc limit ${query.limit}`;
    return rows.map(toCertificate);
  }

  async listDueForRenewal(query: {
    notAfterBefore: string;
    requestedBefore: string;
    limit: number;
  }): Promise<IssuedCertificate[]> {
    const rows = await this.#sql<CertRow[]>`
      select * from (
        select distinct on (charge_point_id) * from issued_certificate
        order by charge_point_id, issued_at desc, serial_number desc
      ) current
      where not_after < ${query.notAfterBefore}
        and (renewal_requested_at is null or renewal_requested_at < ${query.requestedBefore})
      order by not_after, serial_number
      limit ${query.limit}`;
    return rows.map(toCertificate);
  }

  async markRenewalRequested(serialNumber: string, at: string): Promise<void> {
    await this.#sql`
      update issued_certificate set renewal_requested_at = ${at} where serial_number = ${serialNumber}`;
  }
}
