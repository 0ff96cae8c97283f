/**
 * Transactions and orphan stops on PostgreSQL: the lookups the rules of `model/transaction.ts` decide from,
 * the lists, id blocks from the identity sequence, and the commit's statements. The database's own guards
 * turn a concurrent writer into a conflict: the replay key is a unique constraint (an insert that hits it
 * inserts nothing), a start takes its connector's advisory lock and finds no active transaction it did not
 * supersede, and an update only applies while the transaction still has the status it was decided from.
 */
import type { Sql, TransactionSql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import {
  isTransactionId,
  type OrphanStopRecord,
  type StartKey,
  type TransactionRecord,
} from "../../model/transaction.ts";
import type { TransactionFilter } from "../mod.ts";
import { iso, jsonOrNull } from "./sql.ts";

interface TransactionRow {
  transaction_id: number;
  charge_point_id: string;
  connector_id: number;
  id_tag: string;
  start_id_tag_status: TransactionRecord["startIdTagStatus"];
  /** int8 arrives as a string. */
  meter_start: string;
  start_timestamp: Date;
  reservation_id: number | null;
  status: TransactionRecord["status"];
  superseded_by: number | null;
  meter_stop: string | null;
  stop_timestamp: Date | null;
  stop_reason: string | null;
  stop_id_tag: string | null;
  created_at: Date;
  stopped_at: Date | null;
  station_transaction_id: string | null;
  seq_nos: number[] | null;
  remote_start_id: number | null;
}

interface OrphanStopRow {
  id: string;
  charge_point_id: string;
  transaction_id: string;
  id_tag: string | null;
  meter_stop: string;
  timestamp: Date;
  reason: string | null;
  transaction_data: unknown[] | null;
  received_at: Date;
}

export class PgTransactions {
  constructor(private readonly sql: Sql) {}

  async getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    if (!isTransactionId(transactionId)) return null;
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions where transaction_id = ${transactionId}
    `;
    return rows[0] ? toTransaction(rows[0]) : null;
  }

  async findTransactionByStart(key: StartKey): Promise<TransactionRecord | null> {
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions
      where charge_point_id = ${key.chargePointId} and connector_id = ${key.connectorId}
        and id_tag = ${key.idTag} and meter_start = ${key.meterStart} and start_timestamp = ${key.timestamp}
    `;
    return rows[0] ? toTransaction(rows[0]) : null;
  }

  async findTransactionByStationId(
    chargePointId: string,
    stationTransactionId: string,
  ): Promise<TransactionRecord | null> {
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions
      where charge_point_id = ${chargePointId} and station_transaction_id = ${stationTransactionId}
    `;
    return rows[0] ? toTransaction(rows[0]) : null;
  }

  async findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]> {
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions
      where charge_point_id = ${chargePointId} and connector_id = ${connectorId} and status = 'active'
    `;
    return rows.map(toTransaction);
  }

  async findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions where id_tag = ${idTag} and status = 'active'
      order by transaction_id desc
      limit 1
    `;
    return rows[0] ? toTransaction(rows[0]) : null;
  }

  /** `count` ids from the identity sequence (never handed out twice, even across nodes). */
  async reserveTransactionIds(count: number): Promise<number[]> {
    const rows = await this.sql<{ id: number }[]>`
      select nextval(pg_get_serial_sequence('transactions', 'transaction_id'))::int as id
      from generate_series(1, ${count})
    `;
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  async listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]> {
    const sql = this.sql;
    const rows = await sql<TransactionRow[]>`
      select * from transactions
      where true
        ${filter.chargePointId !== undefined ? sql`and charge_point_id = ${filter.chargePointId}` : sql``}
        ${filter.connectorId !== undefined ? sql`and connector_id = ${filter.connectorId}` : sql``}
        ${filter.idTag !== undefined ? sql`and id_tag = ${filter.idTag}` : sql``}
        ${filter.status !== undefined ? sql`and status = ${filter.status}` : sql``}
        ${filter.from !== undefined ? sql`and start_timestamp >= ${filter.from}` : sql``}
        ${filter.to !== undefined ? sql`and start_timestamp < ${filter.to}` : sql``}
        ${filter.before !== undefined ? sql`and transaction_id < ${filter.before}` : sql``}
      order by transaction_id desc
      limit ${filter.limit}
    `;
    return rows.map(toTransaction);
  }

  async listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]> {
    const sql = this.sql;
    const rows = await sql<OrphanStopRow[]>`
      select * from orphan_stops
      ${page.chargePointId !== undefined ? sql`where charge_point_id = ${page.chargePointId}` : sql``}
      order by received_at desc, seq desc
      limit ${page.limit}
    `;
    return rows.map(toOrphanStop);
  }

  /**
   * Every transaction update of the batch in one statement, each only while the transaction still has its
   * expected status. Returns the members (indexes) not all of whose updates applied: conflicts.
   */
  async writeUpdates(tx: TransactionSql, members: readonly StationChanges[]): Promise<Set<number>> {
    const updates = members.flatMap((m, member) =>
      (m.transactionUpdates ?? []).map((u) => ({ ...u, member }))
    );
    if (updates.length === 0) return new Set();
    const t = updates.map((u) => u.transaction);
    const applied = await tx<{ transaction_id: number }[]>`
      update transactions as t set
        status = v.status, superseded_by = v.superseded_by, meter_stop = v.meter_stop,
        stop_timestamp = v.stop_timestamp, stop_reason = v.stop_reason, stop_id_tag = v.stop_id_tag,
        stop_id_tag_status = v.stop_id_tag_status, stopped_at = v.stopped_at,
        -- OCPP 2.0.1 events may fill in the start late (a Started after later events) and add seqNos.
        id_tag = v.id_tag, start_id_tag_status = v.start_id_tag_status, meter_start = v.meter_start,
        start_timestamp = v.start_timestamp, reservation_id = v.reservation_id,
        seq_nos = coalesce(v.seq_nos::text::integer[], t.seq_nos), remote_start_id = v.remote_start_id
      from unnest(
        ${t.map((x) => x.transactionId)}::int[],
        ${t.map((x) => x.chargePointId)}::text[],
        ${updates.map((u) => u.expectedStatus)}::text[],
        ${t.map((x) => x.status)}::text[],
        ${t.map((x) => x.supersededBy)}::int[],
        ${t.map((x) => x.meterStop === null ? null : String(x.meterStop))}::bigint[],
        ${t.map((x) => x.stopTimestamp)}::timestamptz[],
        ${t.map((x) => x.stopReason)}::text[],
        ${t.map((x) => x.stopIdTag)}::text[],
        ${updates.map((u) => u.stopIdTagStatus ?? null)}::text[],
        ${t.map((x) => x.stoppedAt)}::timestamptz[],
        ${t.map((x) => x.idTag)}::text[],
        ${t.map((x) => x.startIdTagStatus)}::text[],
        ${t.map((x) => String(x.meterStart))}::bigint[],
        ${t.map((x) => x.startTimestamp)}::timestamptz[],
        ${t.map((x) => x.reservationId)}::int[],
        ${t.map((x) => seqNosText(x))}::text[],
        ${t.map((x) => x.remoteStartId ?? null)}::int[]
      ) as v(transaction_id, charge_point_id, expected, status, superseded_by, meter_stop, stop_timestamp,
             stop_reason, stop_id_tag, stop_id_tag_status, stopped_at, id_tag, start_id_tag_status, meter_start,
             start_timestamp, reservation_id, seq_nos, remote_start_id)
      where t.transaction_id = v.transaction_id and t.charge_point_id = v.charge_point_id
        and t.status = v.expected
      returning t.transaction_id
    `;
    const done = new Set(applied.map((r) => r.transaction_id));
    return new Set(updates.filter((u) => !done.has(u.transaction.transactionId)).map((u) => u.member));
  }

  /**
   * Every new transaction of the batch, with the ids its members allocated. Starts on one connector are
   * serialised across nodes by an advisory lock, then a connector that has an active transaction the member did
   * not decide to supersede is a conflict, and so is a replay key already stored (the insert skips it).
   * Returns the members that conflict. Run before `writeUpdates`, whose supersede points at these rows.
   */
  async writeStarts(tx: TransactionSql, members: readonly StationChanges[]): Promise<Set<number>> {
    const starts = members.flatMap((m, member) => (m.transactionsStarted ?? []).map((t) => ({ t, member })));
    if (starts.length === 0) return new Set();
    const conflicts = new Set<number>();
    const t = starts.map((s) => s.t);
    const cps = t.map((x) => x.chargePointId);
    const connectors = t.map((x) => x.connectorId);
    // Two-int lock space (the migration lock lives in the one-bigint space), taken in one order everywhere.
    await tx`
      select pg_advisory_xact_lock(hashtext(cp), connector)
      from (select distinct cp, connector from unnest(${cps}::text[], ${connectors}::int[]) as v(cp, connector)
            order by 1, 2) as locks
    `;
    const active = await tx<{ transaction_id: number; charge_point_id: string; connector_id: number }[]>`
      select transaction_id, charge_point_id, connector_id from transactions
      where status = 'active'
        and (charge_point_id, connector_id) in (select * from unnest(${cps}::text[], ${connectors}::int[]))
    `;
    for (const { t: start, member } of starts) {
      // An OCPP 2.0.1 transaction stored already finished (its Ended came first) opens nothing.
      if (start.status !== "active") continue;
      const superseded = new Set(
        (members[member]!.transactionUpdates ?? []).filter((u) => u.transaction.status !== "active")
          .map((u) => u.transaction.transactionId),
      );
      const blocking = active.some((a) =>
        a.charge_point_id === start.chargePointId && a.connector_id === start.connectorId &&
        !superseded.has(a.transaction_id)
      );
      if (blocking) conflicts.add(member);
    }
    const inserting = starts.filter((s) => !conflicts.has(s.member)).map((s) => s.t);
    if (conflicts.size > 0 || inserting.length === 0) return conflicts;
    const inserted = await tx<{ transaction_id: number }[]>`
      insert into transactions (
        transaction_id, charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start, start_timestamp,
        reservation_id, created_at, status, meter_stop, stop_timestamp, stop_reason, stop_id_tag, stopped_at,
        station_transaction_id, seq_nos, remote_start_id
      ) overriding system value
      select a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q::integer[], r from unnest(
        ${inserting.map((x) => x.transactionId)}::int[],
        ${inserting.map((x) => x.chargePointId)}::text[],
        ${inserting.map((x) => x.connectorId)}::int[],
        ${inserting.map((x) => x.idTag)}::text[],
        ${inserting.map((x) => x.startIdTagStatus)}::text[],
        ${inserting.map((x) => String(x.meterStart))}::bigint[],
        ${inserting.map((x) => x.startTimestamp)}::timestamptz[],
        ${inserting.map((x) => x.reservationId)}::int[],
        ${inserting.map((x) => x.createdAt)}::timestamptz[],
        ${inserting.map((x) => x.status)}::text[],
        ${inserting.map((x) => x.meterStop === null ? null : String(x.meterStop))}::bigint[],
        ${inserting.map((x) => x.stopTimestamp)}::timestamptz[],
        ${inserting.map((x) => x.stopReason)}::text[],
        ${inserting.map((x) => x.stopIdTag)}::text[],
        ${inserting.map((x) => x.stoppedAt)}::timestamptz[],
        ${inserting.map((x) => x.stationTransactionId ?? null)}::text[],
        ${inserting.map((x) => seqNosText(x))}::text[],
        ${inserting.map((x) => x.remoteStartId ?? null)}::int[]
      ) as v(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r)
      -- The replay key of a 1.6 start, or a 2.0.1 station's own transaction id, already stored.
      on conflict do nothing
      returning transaction_id
    `;
    const done = new Set(inserted.map((r) => r.transaction_id));
    for (const s of starts) if (!done.has(s.t.transactionId)) conflicts.add(s.member);
    return conflicts;
  }

  /** Orphan stops under their natural key: a replay inserts nothing. */
  async writeOrphans(tx: TransactionSql, members: readonly StationChanges[]): Promise<void> {
    const orphans = members.flatMap((m) => m.orphanStops ?? []);
    if (orphans.length === 0) return;
    const rows = orphans.map((o) => ({
      id: o.id,
      charge_point_id: o.chargePointId,
      transaction_id: o.transactionId,
      id_tag: o.idTag,
      meter_stop: o.meterStop,
      timestamp: o.timestamp,
      reason: o.reason,
      transaction_data: jsonOrNull(tx, o.transactionData),
      received_at: o.receivedAt,
    }));
    await tx`insert into orphan_stops ${tx(rows, ORPHAN_STOP_COLUMNS)} on conflict do nothing`;
  }
}

const ORPHAN_STOP_COLUMNS = [
  "id",
  "charge_point_id",
  "transaction_id",
  "id_tag",
  "meter_stop",
  "timestamp",
  "reason",
  "transaction_data",
  "received_at",
] as const;

/** seqNos as an array literal text (unnest cannot take an array of arrays of different lengths). */
function seqNosText(tx: TransactionRecord): string | null {
  return tx.seqNos === undefined ? null : `{${tx.seqNos.join(",")}}`;
}

function toTransaction(r: TransactionRow): TransactionRecord {
  const meterStart = Number(r.meter_start);
  const meterStop = r.meter_stop === null ? null : Number(r.meter_stop);
  return {
    transactionId: r.transaction_id,
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    idTag: r.id_tag,
    startIdTagStatus: r.start_id_tag_status,
    meterStart,
    startTimestamp: iso(r.start_timestamp),
    reservationId: r.reservation_id,
    status: r.status,
    supersededBy: r.superseded_by,
    meterStop,
    stopTimestamp: iso(r.stop_timestamp),
    stopReason: r.stop_reason,
    stopIdTag: r.stop_id_tag,
    energyWh: meterStop === null ? null : meterStop - meterStart,
    createdAt: iso(r.created_at),
    stoppedAt: iso(r.stopped_at),
    ...(r.station_transaction_id !== null ? { stationTransactionId: r.station_transaction_id } : {}),
    ...(r.seq_nos !== null ? { seqNos: r.seq_nos } : {}),
    ...(r.remote_start_id !== null ? { remoteStartId: r.remote_start_id } : {}),
  };
}

function toOrphanStop(r: OrphanStopRow): OrphanStopRecord {
  return {
    id: r.id,
    chargePointId: r.charge_point_id,
    transactionId: Number(r.transaction_id),
    idTag: r.id_tag,
    meterStop: Number(r.meter_stop),
    timestamp: iso(r.timestamp),
    reason: r.reason,
    transactionData: r.transaction_data,
    receivedAt: iso(r.received_at),
  };
}
