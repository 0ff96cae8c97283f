/**
 * Meter values on PostgreSQL: one row per sampled value, each stored once (a unique index on the natural key;
 * `on conflict do nothing`), every station's rows of a commit in one `unnest` statement.
 */
import type { Sql, TransactionSql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { isTransactionId } from "../../model/transaction.ts";
import { iso } from "./sql.ts";

/** The most one multi-row statement carries (arrays, so no bind-parameter limit; this bounds its size). */
const MAX_ROWS_PER_STATEMENT = 4000;

interface MeterValueDbRow {
  charge_point_id: string;
  connector_id: number;
  transaction_id: number | null;
  timestamp: Date;
  value: string;
  context: string;
  format: string;
  measurand: string;
  phase: string;
  location: string;
  unit: string;
  received_at: Date;
}

export class PgMeterValues {
  constructor(private readonly sql: Sql) {}

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    if (!isTransactionId(transactionId)) return [];
    const rows = await this.sql<MeterValueDbRow[]>`
      select * from meter_values where transaction_id = ${transactionId}
      order by timestamp, seq
    `;
    return rows.map(toMeterValue);
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    const rows = await this.sql<MeterValueDbRow[]>`
      select * from meter_values where charge_point_id = ${chargePointId}
      order by timestamp desc, seq desc
      limit ${limit}
    `;
    return rows.map(toMeterValue);
  }

  /** Inserts every member's rows; returns how many of each member's rows were new. */
  async write(tx: TransactionSql, members: readonly StationChanges[]): Promise<number[]> {
    const counts = members.map(() => 0);
    const all = members.flatMap((m, member) => (m.meterValues ?? []).map((row) => ({ row, member })));
    if (all.length === 0) return counts;
    for (let i = 0; i < all.length; i += MAX_ROWS_PER_STATEMENT) {
      const chunk = all.slice(i, i + MAX_ROWS_PER_STATEMENT);
      const rows = chunk.map((x) => x.row);
      // `ordinality` numbers the rows as sent; each inserted row is credited to the first row sent with its
      // key (of equal rows, the first is inserted), matched in SQL: no key is built per row here.
      const inserted = await tx<{ n: string }[]>`
        with sent as (
          select * from unnest(
            ${rows.map((r) => r.chargePointId)}::text[],
            ${rows.map((r) => r.connectorId)}::int[],
            ${rows.map((r) => r.transactionId)}::int[],
            ${rows.map((r) => r.timestamp)}::timestamptz[],
            ${rows.map((r) => r.value)}::text[],
            ${rows.map((r) => r.context)}::text[],
            ${rows.map((r) => r.format)}::text[],
            ${rows.map((r) => r.measurand)}::text[],
            ${rows.map((r) => r.phase ?? "")}::text[],
            ${rows.map((r) => r.location)}::text[],
            ${rows.map((r) => r.unit)}::text[],
            ${rows.map((r) => r.receivedAt)}::timestamptz[]
          ) with ordinality as v(charge_point_id, connector_id, transaction_id, timestamp, value, context, format,
                                 measurand, phase, location, unit, received_at, n)
        ), stored as (
          insert into meter_values (
            charge_point_id, connector_id, transaction_id, timestamp, value, context, format, measurand, phase,
            location, unit, received_at
          )
          select charge_point_id, connector_id, transaction_id, timestamp, value, context, format, measurand, phase,
            location, unit, received_at
          from sent order by n
          on conflict (charge_point_id, connector_id, timestamp, measurand, phase, location, md5(value)) do nothing
          returning seq, charge_point_id, connector_id, timestamp, measurand, phase, location, value
        )
        select min(sent.n) as n from stored join sent using (
          charge_point_id, connector_id, timestamp, measurand, phase, location, value
        )
        group by stored.seq
      `;
      for (const { n } of inserted) {
        const x = chunk[Number(n) - 1];
        if (x) counts[x.member]! += 1;
      }
    }
    return counts;
  }
}

function toMeterValue(r: MeterValueDbRow): MeterValueRow {
  return {
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    transactionId: r.transaction_id,
    timestamp: iso(r.timestamp),
    value: r.value,
    context: r.context,
    format: r.format,
    measurand: r.measurand,
    phase: r.phase === "" ? null : r.phase,
    location: r.location,
    unit: r.unit,
    receivedAt: iso(r.received_at),
  };
}
