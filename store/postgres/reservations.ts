/**
 * The ReservationStore on PostgreSQL (`reservation` and the `reservation_id` sequence, migration 008;
 * `unconfirmed`, 051, its active ones indexed, 053).
 */
import type { Sql } from "postgres";
import type { ReservationContent, ReservationRecord, ReservationState, ReservationStore } from "../fleet.ts";
import { BATCHED_READ_TIMEOUT_MS, BatchedRead, byKey } from "./batched_reads.ts";
import { iso } from "./pg_helpers.ts";

interface Row {
  reservation_id: number;
  charge_point_id: string;
  connector_id: number;
  id_tag: string;
  parent_id_tag: string | null;
  expiry_date: Date;
  state: ReservationState;
  created_by: string;
  created_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  transaction_id: number | null;
  unconfirmed: boolean;
}

function toRecord(r: Row): ReservationRecord {
  return {
    reservationId: r.reservation_id,
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    parentIdTag: r.parent_id_tag,
    expiryDate: iso(r.expiry_date),
    state: r.state,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    endedAt: iso(r.ended_at),
    endReason: r.end_reason,
    transactionId: r.transaction_id,
    unconfirmed: r.unconfirmed,
  };
}

export class PostgresReservationStore implements ReservationStore {
  /**
   * A station's active reservations, asked on every StartTransaction (is one used up?): the questions of many
   * stations go as one statement (`batched_reads.ts`: each still sees everything committed before it was asked).
   */
  readonly #activeOf: BatchedRead<string, ReservationRecord[]>;

  constructor(private readonly sql: Sql) {
    this.#activeOf = new BatchedRead({
      what: "list the active reservations of stations",
      many: (ids) => this.#activeOfMany(ids),
    }, BATCHED_READ_TIMEOUT_MS);
  }

  async #activeOfMany(ids: readonly string[]): Promise<ReservationRecord[][]> {
    const rows = await this.sql<Row[]>`
      select * from reservation where charge_point_id = any(${ids}::text[]) and state = 'active'
      order by charge_point_id, connector_id, reservation_id`;
    return byKey(rows, ids, (r) => r.charge_point_id).map((of) => of.map(toRecord));
  }

  async newReservationId(): Promise<number> {
    const [row] = await this.sql<{ id: number }[]>`select nextval('reservation_id')::int as id`;
    return row!.id;
  }

  async createReservation(r: ReservationRecord): Promise<boolean> {
    const rows = await this.sql`
      insert into reservation (reservation_id, charge_point_id, connector_id, id_tag, parent_id_tag, expiry_date,
        state, created_by, created_at, ended_at, end_reason, transaction_id, unconfirmed)
      values (${r.reservationId}, ${r.chargePointId}, ${r.connectorId}, ${r.idTag}, ${r.parentIdTag},
        ${r.expiryDate}, ${r.state}, ${r.createdBy}, ${r.createdAt}, ${r.endedAt}, ${r.endReason},
        ${r.transactionId}, ${r.unconfirmed})
      on conflict (reservation_id) do nothing
      returning reservation_id`;
    return rows.length > 0;
  }

  async getReservation(reservationId: number): Promise<ReservationRecord | null> {
    const rows = await this.sql<Row[]>`select * from reservation where reservation_id = ${reservationId}`;
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listReservations(
    query: { chargePointId?: string; state?: ReservationState; before?: number; limit: number },
  ): Promise<ReservationRecord[]> {
    const sql = this.sql;
    const rows = await sql<Row[]>`
      select * from reservation where true
        ${query.chargePointId !== undefined ? sql`and charge_point_id = ${query.chargePointId}` : sql``}
        ${query.state !== undefined ? sql`and state = ${query.state}` : sql``}
        ${query.before !== undefined ? sql`and reservation_id < ${query.before}` : sql``}
      order by reservation_id desc limit ${query.limit}`;
    return rows.map(toRecord);
  }

  async endReservation(
    reservationId: number,
    end: { state: Exclude<ReservationState, "active">; at: string; reason: string; transactionId?: number },
  ): Promise<ReservationRecord | null> {
    const rows = await this.sql<Row[]>`
      update reservation set state = ${end.state}, ended_at = ${end.at}, end_reason = ${end.reason},
        transaction_id = coalesce(${end.transactionId ?? null}::int, transaction_id)
      where reservation_id = ${reservationId} and state = 'active'
      returning *`;
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async confirmReservation(reservationId: number): Promise<ReservationRecord | null> {
    const rows = await this.sql<Row[]>`
      update reservation set unconfirmed = false
      where reservation_id = ${reservationId} and state = 'active' and unconfirmed
      returning *`;
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async reviseReservation(
    reservationId: number,
    accepted: ReservationContent,
  ): Promise<ReservationRecord | null> {
    const rows = await this.sql<Row[]>`
      update reservation set connector_id = ${accepted.connectorId}, id_tag = ${accepted.idTag},
        parent_id_tag = ${accepted.parentIdTag}, expiry_date = ${accepted.expiryDate}, unconfirmed = false
      where reservation_id = ${reservationId} and state = 'active'
      returning *`;
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listUnconfirmedReservations(limit: number, after = 0): Promise<ReservationRecord[]> {
    const rows = await this.sql<Row[]>`
      select * from reservation where state = 'active' and unconfirmed and reservation_id > ${after}
      order by reservation_id limit ${limit}`;
    return rows.map(toRecord);
  }

  async listActiveReservations(chargePointId: string, connectorId?: number): Promise<ReservationRecord[]> {
    if (connectorId === undefined) return await this.#activeOf.get(chargePointId);
    const sql = this.sql;
    const rows = await sql<Row[]>`
      select * from reservation where charge_point_id = ${chargePointId} and state = 'active'
        ${connectorId !== undefined ? sql`and connector_id = ${connectorId}` : sql``}
      order by connector_id, reservation_id`;
    return rows.map(toRecord);
  }

  async listDueExpiries(now: string, limit: number): Promise<ReservationRecord[]> {
    const rows = await this.sql<Row[]>`
      select * from reservation where state = 'active' and expiry_date <= ${now}
      order by expiry_date, reservation_id limit ${limit}`;
    return rows.map(toRecord);
  }
}
