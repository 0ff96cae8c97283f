/**
 * The PkiStore on PostgreSQL (migrations 009, 030 and 032: the pending certificates' index; 045: the renewal
 * back-off and redelivery). A station's current certificate is the row marked
 * `current` (a partial unique index keeps it to one per station); recording an accepted delivery moves the
 * mark under a lock on the station's certificate rows, so two deliveries at once leave the newest current.
 */
import type { ListCursor } from "../../model/list_cursor.ts";
import type { Sql, TransactionSql } from "postgres";
import {
  type CertificateDelivery,
  type DeliveryOutcome,
  type IssuedCertificate,
  RENEWAL_BACKOFF_MAX_DOUBLINGS,
  replacesDelivery,
  type SignedCertificate,
  type StoredCa,
} from "../../model/certificates.ts";
import type { PkiStore } from "../pki_store.ts";
import { BATCHED_READ_TIMEOUT_MS, BatchedRead, oneByKey } from "./batched_reads.ts";

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
  delivery: CertificateDelivery;
  delivered_at: Date | null;
  delivery_detail: string | null;
  current: boolean;
  renewal_unanswered: number;
  renewal_retry_at: Date | null;
  redelivered_at: Date | null;
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
    delivery: r.delivery,
    deliveredAt: r.delivered_at?.toISOString() ?? null,
    deliveryDetail: r.delivery_detail,
    current: r.current,
    renewalUnanswered: r.renewal_unanswered,
    renewalRetryAt: r.renewal_retry_at?.toISOString() ?? null,
    redeliveredAt: r.redelivered_at?.toISOString() ?? null,
  };
}

export class PostgresPkiStore implements PkiStore {
  readonly #sql: Sql;
  /** Every accepted boot asks for its station's newest certificate (redelivery): a boot storm's share one statement. */
  readonly #newestOf: BatchedRead<string, IssuedCertificate | null>;

  constructor(sql: Sql) {
    this.#sql = sql;
    this.#newestOf = new BatchedRead({
      what: "get the newest certificates of stations",
      many: (ids) => this.#newestOfMany(ids),
    }, BATCHED_READ_TIMEOUT_MS);
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

  async addIssuedCertificate(c: SignedCertificate): Promise<void> {
    const inserted = await this.#sql`
      insert into issued_certificate (serial_number, charge_point_id, subject, key, not_before, not_after,
        fingerprint_sha256, certificate_pem, issued_at, renewal_requested_at, delivery, current)
      values (${c.serialNumber}, ${c.chargePointId}, ${c.subject}, ${c.key}, ${c.notBefore}, ${c.notAfter},
        ${c.fingerprintSha256}, ${c.certificatePem}, ${c.issuedAt}, ${c.renewalRequestedAt}, 'pending', false)
      on conflict (serial_number) do nothing`;
    if (inserted.count === 0) {
      throw new Error(`Cannot store certificate ${c.serialNumber}: that serial number is stored already`);
    }
  }

  recordDelivery(
    serialNumber: string,
    outcome: DeliveryOutcome,
    at: string,
  ): Promise<IssuedCertificate | null> {
    return this.#sql.begin(async (sql) => {
      const [found] = await sql<{ charge_point_id: string }[]>`
        select charge_point_id from issued_certificate where serial_number = ${serialNumber}`;
      if (!found) return null;
      // One delivery of a station's at a time: each statement after the lock sees the one before it.
      await sql`
        select 1 from issued_certificate where charge_point_id = ${found.charge_point_id}
        order by serial_number for update`;
      const [row] = await sql<
        CertRow[]
      >`select * from issued_certificate where serial_number = ${serialNumber}`;
      if (!replacesDelivery(row!.delivery, outcome.delivery)) return toCertificate(row!);
      const current = outcome.delivery === "accepted" && await this.#newestAccepted(sql, row!);
      if (current) {
        await sql`
          update issued_certificate set current = false
          where charge_point_id = ${row!.charge_point_id} and current`;
      }
      const [updated] = await sql<CertRow[]>`
        update issued_certificate
        set delivery = ${outcome.delivery}, delivered_at = ${at}, delivery_detail = ${outcome.detail},
          current = ${current}
        where serial_number = ${serialNumber}
        returning *`;
      return toCertificate(updated!);
    });
  }

  /** Whether `row` was issued after its station's current certificate (or it has none). */
  async #newestAccepted(sql: TransactionSql, row: CertRow): Promise<boolean> {
    const [newer] = await sql`
      select 1 from issued_certificate
      where charge_point_id = ${row.charge_point_id} and current
        and (issued_at, serial_number) > (${row.issued_at}, ${row.serial_number})`;
    return newer === undefined;
  }

  /**
   * One statement: rows another transaction holds (a delivery being recorded, another node's sweep) are
   * skipped, and a row recorded before the update gets to it no longer matches `delivery = 'pending'`.
   */
  async settlePendingDeliveries(query: {
    issuedBefore: string;
    detail: string;
    at: string;
    limit: number;
  }): Promise<IssuedCertificate[]> {
    // Picked in a CTE: with the limited subquery under `in (...)` instead, one update settled more than `limit`.
    const rows = await this.#sql<CertRow[]>`
      with picked as (
        select serial_number from issued_certificate
        where delivery = 'pending' and issued_at < ${query.issuedBefore}
        order by issued_at, serial_number
        limit ${query.limit}
        for update skip locked
      )
      update issued_certificate c
      set delivery = 'undelivered', delivered_at = ${query.at}, delivery_detail = ${query.detail}
      from picked
      where c.serial_number = picked.serial_number and c.delivery = 'pending'
      returning c.*`;
    return rows.map(toCertificate).sort((a, b) =>
      a.issuedAt.localeCompare(b.issuedAt) || a.serialNumber.localeCompare(b.serialNumber)
    );
  }

  async getIssuedCertificate(serialNumber: string): Promise<IssuedCertificate | null> {
    const [row] = await this.#sql<CertRow[]>`
      select * from issued_certificate where serial_number = ${serialNumber}`;
    return row ? toCertificate(row) : null;
  }

  async getCurrentCertificate(chargePointId: string): Promise<IssuedCertificate | null> {
    const [row] = await this.#sql<CertRow[]>`
      select * from issued_certificate where charge_point_id = ${chargePointId} and current`;
    return row ? toCertificate(row) : null;
  }

  async listIssuedCertificates(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<IssuedCertificate[]> {
    const { chargePointId, before } = query;
    if (chargePointId !== undefined && before === undefined && query.limit === 1) {
      const newest = await this.#newestOf.get(chargePointId);
      return newest === null ? [] : [newest];
    }
    // Byte order (collate "C"), as KV's keys: the cursor's row comparison follows the order of the page.
    const rows = await this.#sql<CertRow[]>`
      select * from issued_certificate
      where true
        ${chargePointId !== undefined ? this.#sql`and charge_point_id = ${chargePointId}` : this.#sql``}
        ${
      before !== undefined
        ? this.#sql`and (issued_at, serial_number collate "C") < (${before.at}, ${before.id} collate "C")`
        : this.#sql``
    }
      order by issued_at desc, serial_number collate "C" desc limit ${query.limit}`;
    return rows.map(toCertificate);
  }

  /** Each station's newest certificate, in the order of a page's first row (`listIssuedCertificates`). */
  async #newestOfMany(ids: readonly string[]): Promise<(IssuedCertificate | null)[]> {
    const rows = await this.#sql<CertRow[]>`
      select distinct on (charge_point_id) * from issued_certificate
      where charge_point_id = any(${ids}::text[])
      order by charge_point_id, issued_at desc, serial_number collate "C" desc`;
    return oneByKey(rows, ids, (r) => r.charge_point_id, toCertificate);
  }

  async listDueForRenewal(query: {
    notAfterBefore: string;
    requestedBefore: string;
    now: string;
    limit: number;
    chargePointIds?: readonly string[];
  }): Promise<IssuedCertificate[]> {
    const ids = query.chargePointIds;
    if (ids?.length === 0) return [];
    const rows = await this.#sql<CertRow[]>`
      select * from issued_certificate
      where current and not_after < ${query.notAfterBefore}
        and (renewal_requested_at is null or renewal_requested_at < ${query.requestedBefore})
        and (renewal_retry_at is null or renewal_retry_at <= ${query.now})
        ${ids ? this.#sql`and charge_point_id = any(${ids as string[]}::text[])` : this.#sql``}
      order by not_after, serial_number
      limit ${query.limit}`;
    return rows.map(toCertificate);
  }

  async markRenewalRequested(serialNumber: string, at: string): Promise<void> {
    await this.#sql`
      update issued_certificate
      set renewal_requested_at = ${at}, renewal_unanswered = 0, renewal_retry_at = null
      where serial_number = ${serialNumber}`;
  }

  /** One statement: the count read and written in place (renewalBackoffMs, in SQL: the old count plus one). */
  async markRenewalUnanswered(
    serialNumber: string,
    backoff: { at: string; baseMs: number; maxMs: number },
  ): Promise<void> {
    await this.#sql`
      update issued_certificate
      set renewal_unanswered = renewal_unanswered + 1,
        renewal_retry_at = ${backoff.at}::timestamptz + least(
          ${backoff.baseMs}::float8 * power(2, least(renewal_unanswered + 1, ${RENEWAL_BACKOFF_MAX_DOUBLINGS})),
          ${backoff.maxMs}::float8
        ) * interval '1 millisecond'
      where serial_number = ${serialNumber}`;
  }

  async claimRedelivery(serialNumber: string, at: string): Promise<boolean> {
    const claimed = await this.#sql`
      update issued_certificate set redelivered_at = ${at}
      where serial_number = ${serialNumber} and delivery = 'undelivered' and redelivered_at is null`;
    return claimed.count === 1;
  }
}
