/**
 * The ReservationStore on Deno KV.
 *
 * Layout: `["rsv_counter"]` the last id handed out; `["rsv", id]` ReservationRecord; `["rsv_cp", cpId, id]`
 * -> true; while active, `["rsv_active", cpId, connectorId, id]` and `["rsv_exp", expiryDate, id]` -> true;
 * `["mark", "rsv_active", cpId]` while the station may have an active one (see presence.ts: the active list is
 * read on every Authorize and StartTransaction, and a station without one is answered without a list);
 * `["rsv_unconfirmed", id]` -> true while active and unconfirmed (the sweep's list; one made unconfirmed before
 * this key existed, by a few hours of commits, is not in it and is not backfilled: it is held, and ends at its
 * expiry, its station's answer or a cancel, as the sweep's holds do).
 */
import type { ReservationContent, ReservationRecord, ReservationState, ReservationStore } from "../fleet.ts";
import { getMany, listAll, retryAtomic } from "./kv_helpers.ts";
import { PresenceMarks } from "./presence.ts";

const COUNTER: Deno.KvKey = ["rsv_counter"];
/** reservationId is a 32-bit integer on the wire (OCPP 1.6 ReserveNow.req). */
const MAX_ID = 2 ** 31 - 1;
/** How many entries a filtered listing reads at most to fill one page. */
const SCAN_LIMIT = 5000;

const key = (id: number): Deno.KvKey => ["rsv", id];
const byCpKey = (cp: string, id: number): Deno.KvKey => ["rsv_cp", cp, id];
const activeKey = (
  r: ReservationRecord,
): Deno.KvKey => ["rsv_active", r.chargePointId, r.connectorId, r.reservationId];
const expiryKey = (r: ReservationRecord): Deno.KvKey => ["rsv_exp", r.expiryDate, r.reservationId];
const unconfirmedKey = (id: number): Deno.KvKey => ["rsv_unconfirmed", id];
/** A record stored before `unconfirmed` was: confirmed or ended, as PostgreSQL's column default says. */
const read = (r: ReservationRecord | null): ReservationRecord | null =>
  r && r.unconfirmed === undefined ? { ...r, unconfirmed: false } : r;

export class KvReservationStore implements ReservationStore {
  readonly #active: PresenceMarks;

  constructor(private readonly kv: Deno.Kv) {
    this.#active = new PresenceMarks(kv, "rsv_active");
  }

  newReservationId(): Promise<number> {
    return retryAtomic("allocate a reservation id", async () => {
      const entry = await this.kv.get<number>(COUNTER);
      const next = (entry.value ?? 0) + 1;
      if (next > MAX_ID) throw new Error("Cannot allocate a reservation id: all 32-bit ids are used");
      const res = await this.kv.atomic().check(entry).set(COUNTER, next).commit();
      return res.ok ? next : undefined;
    });
  }

  async createReservation(r: ReservationRecord): Promise<boolean> {
    const op = this.kv.atomic().check({ key: key(r.reservationId), versionstamp: null })
      .set(key(r.reservationId), r).set(byCpKey(r.chargePointId, r.reservationId), true);
    if (r.state === "active") {
      op.set(activeKey(r), true).set(expiryKey(r), true).set(this.#active.key(r.chargePointId), true);
      if (r.unconfirmed) op.set(unconfirmedKey(r.reservationId), true);
    }
    return (await op.commit()).ok;
  }

  async getReservation(reservationId: number): Promise<ReservationRecord | null> {
    return read((await this.kv.get<ReservationRecord>(key(reservationId))).value);
  }

  async listReservations(
    query: { chargePointId?: string; state?: ReservationState; before?: number; limit: number },
  ): Promise<ReservationRecord[]> {
    const out: ReservationRecord[] = [];
    const keep = (r: ReservationRecord | null) => {
      if (r && (query.state === undefined || r.state === query.state) && out.length < query.limit) {
        out.push(r);
      }
    };
    if (query.chargePointId === undefined) {
      const selector: Deno.KvListSelector = query.before === undefined
        ? { prefix: ["rsv"] }
        : { prefix: ["rsv"], end: key(query.before) };
      for await (const e of this.kv.list<ReservationRecord>(selector, { reverse: true, limit: SCAN_LIMIT })) {
        keep(read(e.value));
        if (out.length >= query.limit) break;
      }
      return out;
    }
    const prefix = ["rsv_cp", query.chargePointId];
    const selector: Deno.KvListSelector = query.before === undefined
      ? { prefix }
      : { prefix, end: [...prefix, query.before] };
    const pointers = await listAll(this.kv, selector, { reverse: true, limit: SCAN_LIMIT });
    for (let i = 0; i < pointers.length && out.length < query.limit; i += 10) {
      const slice = pointers.slice(i, i + 10).map((p) => key(p.key[2] as number));
      for (const e of await getMany<ReservationRecord>(this.kv, slice)) keep(read(e.value));
    }
    return out;
  }

  endReservation(
    reservationId: number,
    end: { state: Exclude<ReservationState, "active">; at: string; reason: string; transactionId?: number },
  ): Promise<ReservationRecord | null> {
    return retryAtomic("end a reservation", async () => {
      const entry = await this.kv.get<ReservationRecord>(key(reservationId));
      const r = read(entry.value);
      if (!r || r.state !== "active") return null;
      const ended: ReservationRecord = {
        ...r,
        state: end.state,
        endedAt: end.at,
        endReason: end.reason,
        transactionId: end.transactionId ?? r.transactionId,
      };
      const res = await this.kv.atomic().check(entry).set(entry.key, ended).delete(activeKey(r))
        .delete(expiryKey(r)).delete(unconfirmedKey(reservationId)).commit();
      return res.ok ? ended : undefined;
    });
  }

  confirmReservation(reservationId: number): Promise<ReservationRecord | null> {
    return retryAtomic("confirm a reservation", async () => {
      const entry = await this.kv.get<ReservationRecord>(key(reservationId));
      const r = read(entry.value);
      if (!r || r.state !== "active" || !r.unconfirmed) return null;
      const confirmed: ReservationRecord = { ...r, unconfirmed: false };
      const res = await this.kv.atomic().check(entry).set(entry.key, confirmed)
        .delete(unconfirmedKey(reservationId)).commit();
      return res.ok ? confirmed : undefined;
    });
  }

  reviseReservation(reservationId: number, accepted: ReservationContent): Promise<ReservationRecord | null> {
    return retryAtomic("revise a reservation", async () => {
      const entry = await this.kv.get<ReservationRecord>(key(reservationId));
      const r = read(entry.value);
      if (!r || r.state !== "active") return null;
      const revised: ReservationRecord = { ...r, ...accepted, unconfirmed: false };
      // Its connector and expiry are in the pointers' keys: moved with it.
      const res = await this.kv.atomic().check(entry).set(entry.key, revised)
        .delete(activeKey(r)).delete(expiryKey(r)).delete(unconfirmedKey(reservationId))
        .set(activeKey(revised), true).set(expiryKey(revised), true).commit();
      return res.ok ? revised : undefined;
    });
  }

  async listUnconfirmedReservations(limit: number, after = 0): Promise<ReservationRecord[]> {
    const selector = { prefix: ["rsv_unconfirmed"], start: unconfirmedKey(after + 1) };
    const pointers = await listAll(this.kv, selector, { limit });
    const records = await getMany<ReservationRecord>(this.kv, pointers.map((p) => key(p.key[1] as number)));
    return records.flatMap((e) => {
      const r = read(e.value);
      return r && r.state === "active" && r.unconfirmed ? [r] : [];
    });
  }

  async listActiveReservations(chargePointId: string, connectorId?: number): Promise<ReservationRecord[]> {
    const prefix = connectorId === undefined
      ? ["rsv_active", chargePointId]
      : ["rsv_active", chargePointId, connectorId];
    // The mark is cleared only when the station has no active pointer at all (a listing of the whole station).
    const pointers = await this.#active.list(
      chargePointId,
      () => listAll(this.kv, { prefix }),
      connectorId === undefined,
    );
    const records = await getMany<ReservationRecord>(this.kv, pointers.map((p) => key(p.key[3] as number)));
    return records.flatMap((e) => (e.value && e.value.state === "active" ? [read(e.value)!] : []));
  }

  async listDueExpiries(now: string, limit: number): Promise<ReservationRecord[]> {
    const pointers = await listAll(this.kv, { prefix: ["rsv_exp"], end: ["rsv_exp", now + "\0"] }, { limit });
    const records = await getMany<ReservationRecord>(this.kv, pointers.map((p) => key(p.key[2] as number)));
    return records.flatMap((e) => (e.value && e.value.state === "active" ? [read(e.value)!] : []));
  }
}
