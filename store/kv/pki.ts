/**
 * The PkiStore on Deno KV. Keys:
 * - `["pki_ca"]`: the generated CA;
 * - `["pki_cert", serial]`: an issued certificate with its delivery (not `current`, which is read from the
 *   pointer below), with pointer indexes `["pki_cert_by_time", issuedAt, serial]` and
 *   `["pki_cert_by_cp", chargePointId, issuedAt, serial]` (with its presence mark, presence.ts: every boot
 *   lists a station's newest for a redelivery, and most stations have none);
 * - `["pki_cert_pending", issuedAt, serial]`: certificates still pending, for the sweep that settles the ones a
 *   restart left pending (`settlePendingDeliveries`); removed with the delivery's first outcome. Records a
 *   version before this index left pending are indexed once, by the first sweep on a store without
 *   `["pki_cert_pending_indexed"]` (`#indexOldPending`);
 * - `["pki_current", chargePointId]`: the serial of the station's current certificate (the newest it
 *   accepted), and `["pki_current_by_expiry", notAfter, serial]` for current certificates only (the renewal
 *   scan).
 * Index entries are written in the same atomic as the record; the current pointer moves only with an accepted
 * delivery, guarded by a check on the pointer. Records written before deliveries were recorded have no
 * `delivery`: they read as `unknown`, and the pointer they set stays.
 */
import type { ListCursor } from "../../model/list_cursor.ts";
import {
  type DeliveryOutcome,
  type IssuedCertificate,
  renewalBackoffMs,
  replacesDelivery,
  type SignedCertificate,
  type StoredCa,
} from "../../model/certificates.ts";
import type { PkiStore } from "../pki_store.ts";
import { onceUntilDone } from "./kv_helpers.ts";
import { PresenceMarks } from "./presence.ts";

const CA = ["pki_ca"];
const CERT = "pki_cert";
const BY_TIME = "pki_cert_by_time";
const BY_CP = "pki_cert_by_cp";
const CURRENT = "pki_current";
const BY_EXPIRY = "pki_current_by_expiry";
const PENDING = "pki_cert_pending";
/** Set once every pending record has its PENDING entry (the records older versions wrote included). */
const PENDING_INDEXED = ["pki_cert_pending_indexed"];
/** Records read per page of the one-time scan. */
const SCAN_PAGE = 100;

/** A certificate as stored: everything but `current`, which the pointer says. */
type StoredCertificate = Omit<IssuedCertificate, "current">;

export class KvPkiStore implements PkiStore {
  readonly #kv: Deno.Kv;
  /** The one-time indexing of old pending records, started by the first sweep of this process. */
  readonly #oldPendingIndexed = onceUntilDone(() => this.#indexOldPending());
  /** Which stations have certificates: a boot's listing of one without any costs a key in a shared read. */
  readonly #byStation: PresenceMarks;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
    this.#byStation = new PresenceMarks(kv, BY_CP);
  }

  async getCa(): Promise<StoredCa | null> {
    return (await this.#kv.get<StoredCa>(CA)).value;
  }

  async putCaIfAbsent(ca: StoredCa): Promise<StoredCa> {
    const res = await this.#kv.atomic().check({ key: CA, versionstamp: null }).set(CA, ca).commit();
    if (res.ok) return ca;
    return (await this.getCa())!;
  }

  async addIssuedCertificate(c: SignedCertificate): Promise<void> {
    const stored: StoredCertificate = {
      ...c,
      delivery: "pending",
      deliveredAt: null,
      deliveryDetail: null,
      renewalUnanswered: 0,
      renewalRetryAt: null,
      redeliveredAt: null,
    };
    const res = await this.#kv.atomic()
      .check({ key: [CERT, c.serialNumber], versionstamp: null })
      .set([CERT, c.serialNumber], stored)
      .set([BY_TIME, c.issuedAt, c.serialNumber], true)
      .set([BY_CP, c.chargePointId, c.issuedAt, c.serialNumber], true)
      .set(this.#byStation.key(c.chargePointId), true)
      .set([PENDING, c.issuedAt, c.serialNumber], true)
      .commit();
    if (!res.ok) {
      throw new Error(`Cannot store certificate ${c.serialNumber}: that serial number is stored already`);
    }
  }

  async recordDelivery(
    serialNumber: string,
    outcome: DeliveryOutcome,
    at: string,
  ): Promise<IssuedCertificate | null> {
    for (;;) {
      const entry = await this.#kv.get<StoredCertificate>([CERT, serialNumber]);
      if (entry.value === null) return null;
      const record = stored(entry.value);
      if (!replacesDelivery(record.delivery, outcome.delivery)) {
        return (await this.#withCurrent([record]))[0]!;
      }
      const updated: StoredCertificate = {
        ...record,
        delivery: outcome.delivery,
        deliveredAt: at,
        deliveryDetail: outcome.detail,
      };
      const op = this.#kv.atomic().check(entry).set(entry.key, updated)
        .delete([PENDING, record.issuedAt, serialNumber]);
      let current = false;
      if (outcome.delivery === "accepted") {
        const pointer = await this.#kv.get<string>([CURRENT, record.chargePointId]);
        const previous = pointer.value === null
          ? null
          : (await this.#kv.get<StoredCertificate>([CERT, pointer.value])).value;
        current = previous === null || issuedBefore(previous, record);
        op.check(pointer);
        if (current) {
          op.set([CURRENT, record.chargePointId], serialNumber)
            .set([BY_EXPIRY, record.notAfter, serialNumber], record.chargePointId);
          if (previous) op.delete([BY_EXPIRY, previous.notAfter, previous.serialNumber]);
        }
      }
      if ((await op.commit()).ok) return { ...updated, current };
    }
  }

  async settlePendingDeliveries(query: {
    issuedBefore: string;
    detail: string;
    at: string;
    limit: number;
  }): Promise<IssuedCertificate[]> {
    await this.#oldPendingIndexed();
    const settled: IssuedCertificate[] = [];
    const selector = { prefix: [PENDING], end: [PENDING, query.issuedBefore] };
    for await (const index of this.#kv.list(selector, { limit: query.limit })) {
      const serialNumber = index.key[2] as string;
      for (;;) {
        const entry = await this.#kv.get<StoredCertificate>([CERT, serialNumber]);
        if (entry.value === null || stored(entry.value).delivery !== "pending") {
          // The entry goes in the same atomic as the first outcome, so this is not expected: tidied, not settled.
          await this.#kv.delete(index.key);
          break;
        }
        const updated: StoredCertificate = {
          ...stored(entry.value),
          delivery: "undelivered",
          deliveredAt: query.at,
          deliveryDetail: query.detail,
        };
        const op = this.#kv.atomic().check(entry).set(entry.key, updated).delete(index.key);
        if ((await op.commit()).ok) {
          // Never current: only an accepted delivery moves the station's pointer.
          settled.push({ ...updated, current: false });
          break;
        }
      }
    }
    return settled;
  }

  /**
   * Gives every pending record without a PENDING entry one (those a version before the index wrote), once per
   * store: a scan of all certificates, a page at a time, then the marker that later opens skip it by. An entry
   * goes in under a check of the record, so one settled meanwhile is not indexed; two processes scanning at
   * once write the same entries.
   */
  async #indexOldPending(): Promise<void> {
    if ((await this.#kv.get(PENDING_INDEXED)).versionstamp !== null) return;
    let page: Deno.KvKey[] = [];
    const indexPage = async () => {
      if (page.length === 0) return;
      const entries = await this.#kv.getMany<StoredCertificate[]>(page);
      page = [];
      for (const entry of entries) {
        if (entry.value?.delivery !== "pending") continue;
        const { issuedAt, serialNumber } = entry.value;
        await this.#kv.atomic().check(entry).set([PENDING, issuedAt, serialNumber], true).commit();
      }
    };
    for await (const index of this.#kv.list({ prefix: [BY_TIME] }, { batchSize: SCAN_PAGE })) {
      page.push([CERT, index.key[2] as string]);
      if (page.length === 10) await indexPage(); // getMany reads 10 keys at most
    }
    await indexPage();
    await this.#kv.set(PENDING_INDEXED, true);
  }

  async getIssuedCertificate(serialNumber: string): Promise<IssuedCertificate | null> {
    const [found] = await this.#getMany([serialNumber]);
    return found ?? null;
  }

  async getCurrentCertificate(chargePointId: string): Promise<IssuedCertificate | null> {
    const pointer = await this.#kv.get<string>([CURRENT, chargePointId]);
    return pointer.value === null ? null : await this.getIssuedCertificate(pointer.value);
  }

  async listIssuedCertificates(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<IssuedCertificate[]> {
    if (query.chargePointId === undefined) return await this.#listIssued(query);
    // A first page that finds none covers all of the station's (none): its mark may go.
    const complete = query.before === undefined;
    return await this.#byStation.list(query.chargePointId, () => this.#listIssued(query), complete);
  }

  async #listIssued(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<IssuedCertificate[]> {
    const prefix = query.chargePointId === undefined ? [BY_TIME] : [BY_CP, query.chargePointId];
    // The index key ends (issuedAt, serial): the keys below the cursor's are the next page.
    const selector: Deno.KvListSelector = query.before === undefined
      ? { prefix }
      : { prefix, end: [...prefix, query.before.at, query.before.id] };
    const serials: string[] = [];
    for await (const entry of this.#kv.list(selector, { reverse: true, limit: query.limit })) {
      serials.push(entry.key[entry.key.length - 1] as string);
    }
    return await this.#getMany(serials);
  }

  async listDueForRenewal(query: {
    notAfterBefore: string;
    requestedBefore: string;
    now: string;
    limit: number;
    chargePointIds?: readonly string[];
  }): Promise<IssuedCertificate[]> {
    const out: IssuedCertificate[] = [];
    const only = query.chargePointIds ? new Set(query.chargePointIds) : null;
    if (only?.size === 0) return out;
    let serials: string[] = [];
    const take = async () => {
      for (const c of await this.#getMany(serials)) {
        // The index is written with the pointer; the check only guards a record read while it moved.
        if (!c.current || (only && !only.has(c.chargePointId))) continue;
        if ((c.renewalRetryAt ?? "") > query.now) continue;
        if (out.length < query.limit && (c.renewalRequestedAt ?? "") < query.requestedBefore) out.push(c);
      }
      serials = [];
    };
    const selector = { prefix: [BY_EXPIRY], end: [BY_EXPIRY, query.notAfterBefore] };
    for await (const entry of this.#kv.list(selector, { batchSize: 100 })) {
      serials.push(entry.key[2] as string);
      if (serials.length === 10) await take();
      if (out.length >= query.limit) return out;
    }
    await take();
    return out;
  }

  async markRenewalRequested(serialNumber: string, at: string): Promise<void> {
    for (;;) {
      const entry = await this.#kv.get<StoredCertificate>([CERT, serialNumber]);
      if (entry.value === null) return;
      const updated = {
        ...stored(entry.value),
        renewalRequestedAt: at,
        renewalUnanswered: 0,
        renewalRetryAt: null,
      };
      if ((await this.#kv.atomic().check(entry).set(entry.key, updated).commit()).ok) return;
    }
  }

  async markRenewalUnanswered(
    serialNumber: string,
    backoff: { at: string; baseMs: number; maxMs: number },
  ): Promise<void> {
    for (;;) {
      const entry = await this.#kv.get<StoredCertificate>([CERT, serialNumber]);
      if (entry.value === null) return;
      const unanswered = stored(entry.value).renewalUnanswered + 1;
      const retryAt = Date.parse(backoff.at) + renewalBackoffMs(unanswered, backoff.baseMs, backoff.maxMs);
      const updated: StoredCertificate = {
        ...stored(entry.value),
        renewalUnanswered: unanswered,
        renewalRetryAt: new Date(retryAt).toISOString(),
      };
      if ((await this.#kv.atomic().check(entry).set(entry.key, updated).commit()).ok) return;
    }
  }

  async claimRedelivery(serialNumber: string, at: string): Promise<boolean> {
    for (;;) {
      const entry = await this.#kv.get<StoredCertificate>([CERT, serialNumber]);
      if (entry.value === null) return false;
      const record = stored(entry.value);
      if (record.delivery !== "undelivered" || record.redeliveredAt !== null) return false;
      const updated: StoredCertificate = { ...record, redeliveredAt: at };
      if ((await this.#kv.atomic().check(entry).set(entry.key, updated).commit()).ok) return true;
    }
  }

  /** Records in the order of `serials`; getMany reads at most 10 keys at a time. */
  async #getMany(serials: string[]): Promise<IssuedCertificate[]> {
    const out: StoredCertificate[] = [];
    for (let i = 0; i < serials.length; i += 10) {
      const entries = await this.#kv.getMany<StoredCertificate[]>(
        serials.slice(i, i + 10).map((s) => [CERT, s]),
      );
      for (const e of entries) if (e.value !== null) out.push(stored(e.value));
    }
    return await this.#withCurrent(out);
  }

  /** The records with `current` from their stations' pointers (one read per 10 stations). */
  async #withCurrent(records: StoredCertificate[]): Promise<IssuedCertificate[]> {
    const stations = [...new Set(records.map((c) => c.chargePointId))];
    const currentOf = new Map<string, string | null>();
    for (let i = 0; i < stations.length; i += 10) {
      const ids = stations.slice(i, i + 10);
      const pointers = await this.#kv.getMany<string[]>(ids.map((id) => [CURRENT, id]));
      ids.forEach((id, n) => currentOf.set(id, pointers[n]?.value ?? null));
    }
    return records.map((c) => ({ ...c, current: currentOf.get(c.chargePointId) === c.serialNumber }));
  }
}

/**
 * A record as read: one written before deliveries were recorded gets `unknown`; one written before the renewal
 * back-off and redelivery, their defaults.
 */
function stored(value: StoredCertificate): StoredCertificate {
  const record: StoredCertificate = {
    ...value,
    renewalUnanswered: value.renewalUnanswered ?? 0,
    renewalRetryAt: value.renewalRetryAt ?? null,
    redeliveredAt: value.redeliveredAt ?? null,
  };
  if (value.delivery !== undefined) return record;
  return { ...record, delivery: "unknown", deliveredAt: null, deliveryDetail: null };
}

/** Whether `a` was issued before `b` (issuedAt, then serial: ISO times of one format compare as text). */
function issuedBefore(a: SignedCertificate, b: SignedCertificate): boolean {
  return a.issuedAt < b.issuedAt || (a.issuedAt === b.issuedAt && a.serialNumber < b.serialNumber);
}
