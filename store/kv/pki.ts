/**
 * The PkiStore on Deno KV. Keys:
 * - `["pki_ca"]`: the generated CA;
 * - `["pki_cert", serial]`: an issued certificate, with pointer indexes `["pki_cert_by_time", issuedAt, serial]`
 *   and `["pki_cert_by_cp", chargePointId, issuedAt, serial]`;
 * - `["pki_current", chargePointId]`: the serial of the station's newest certificate, and
 *   `["pki_current_by_expiry", notAfter, serial]` for current certificates only (the renewal scan).
 * Index entries are written in the same atomic as the record, guarded by a check on the station's pointer.
 */
import type { IssuedCertificate, StoredCa } from "../../model/certificates.ts";
import type { PkiStore } from "../pki_store.ts";

const CA = ["pki_ca"];
const CERT = "pki_cert";
const BY_TIME = "pki_cert_by_time";
const BY_CP = "pki_cert_by_cp";
const CURRENT = "pki_current";
const BY_EXPIRY = "pki_current_by_expiry";

export class KvPkiStore implements PkiStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async getCa(): Promise<StoredCa | null> {
    return (await this.#kv.get<StoredCa>(CA)).value;
  }

  async putCaIfAbsent(ca: StoredCa): Promise<StoredCa> {
    const res = await this.#kv.atomic().check({ key: CA, versionstamp: null }).set(CA, ca).commit();
    if (res.ok) return ca;
    return (await this.getCa())!;
  }

  async addIssuedCertificate(c: IssuedCertificate): Promise<void> {
    for (;;) {
      const current = await this.#kv.get<string>([CURRENT, c.chargePointId]);
      const op = this.#kv.atomic()
        .check(current)
        .check({ key: [CERT, c.serialNumber], versionstamp: null })
        .set([CERT, c.serialNumber], c)
        .set([BY_TIME, c.issuedAt, c.serialNumber], true)
        .set([BY_CP, c.chargePointId, c.issuedAt, c.serialNumber], true)
        .set([CURRENT, c.chargePointId], c.serialNumber)
        .set([BY_EXPIRY, c.notAfter, c.serialNumber], c.chargePointId);
      if (current.value !== null) {
        const previous = (await this.#kv.get<IssuedCertificate>([CERT, current.value])).value;
        if (previous) op.delete([BY_EXPIRY, previous.notAfter, previous.serialNumber]);
      }
      if ((await op.commit()).ok) return;
      if ((await this.#kv.get([CERT, c.serialNumber])).versionstamp !== null) {
        throw new Error(`Cannot store certificate ${c.serialNumber}: that serial number is stored already`);
      }
    }
  }

  async getIssuedCertificate(serialNumber: string): Promise<IssuedCertificate | null> {
    return (await this.#kv.get<IssuedCertificate>([CERT, serialNumber])).value;
  }

  async listIssuedCertificates(
    query: { chargePointId?: string; limit: number },
  ): Promise<IssuedCertificate[]> {
    const prefix = query.chargePointId === undefined ? [BY_TIME] : [BY_CP, query.chargePointId];
    const serials: string[] = [];
    for await (const entry of this.#kv.list({ prefix }, { reverse: true, limit: query.limit })) {
      serials.push(entry.key[entry.key.length - 1] as string);
    }
    return await this.#getMany(serials);
  }

  async listDueForRenewal(query: {
    notAfterBefore: string;
    requestedBefore: string;
    limit: number;
  }): Promise<IssuedCertificate[]> {
    const out: IssuedCertificate[] = [];
    let serials: string[] = [];
    const take = async () => {
      for (const c of await this.#getMany(serials)) {
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
      const entry = await this.#kv.get<IssuedCertificate>([CERT, serialNumber]);
      if (entry.value === null) return;
      const updated = { ...entry.value, renewalRequestedAt: at };
      if ((await this.#kv.atomic().check(entry).set(entry.key, updated).commit()).ok) return;
    }
  }

  /** Records in the order of `serials`; getMany reads at most 10 keys at a time. */
  async #getMany(serials: string[]): Promise<IssuedCertificate[]> {
    const out: IssuedCertificate[] = [];
    for (let i = 0; i < serials.length; i += 10) {
      const entries = await this.#kv.getMany<IssuedCertificate[]>(
        serials.slice(i, i + 10).map((s) => [CERT, s]),
      );
      for (const e of entries) if (e.value !== null) out.push(e.value);
    }
    return out;
  }
}
