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
  /**
   * Inserts every member's rows; returns how many of each member's rows were new. The members of one commit
   * are distinct stations (`rounds.ts`), so the rows inserted are credited by their station: no key is built
   * or matched per row.
   */
  async write(tx: TransactionSql, members: readonly StationChanges[]): Promise<number[]> {
    const rows = members.flatMap((m) => m.meterValues ?? []);
    const member = new Map(members.map((m, i) => [m.chargePointId, i]));
    const counts = members.map(() => 0);
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + MAX_ROWS_PER_STATEMENT);
      // unnest over one array per column: one statement text whatever the batch size (one prepared statement
      // per connection), and no bind-parameter limit. Of equal rows in one statement the first is inserted.
      const inserted = await tx<{ charge_point_id: string }[]>`
        insert into meter_values (
          charge_point_id, connector_id, transaction_id, timestamp, value, context, format, measurand, phase,
          location, unit, received_at
        )
        select * from unnest(
          ${chunk.map((r) => r.chargePointId)}::text[],
          ${chunk.map((r) => r.connectorId)}::int[],
          ${chunk.map((r) => r.transactionId)}::int[],
          ${chunk.map((r) => r.timestamp)}::timestamptz[],
          ${chunk.map((r) => r.value)}::text[],
          ${chunk.map((r) => r.context)}::text[],
          ${chunk.map((r) => r.format)}::text[],
          ${chunk.map((r) => r.measurand)}::text[],
          ${chunk.map((r) => r.phase ?? "")}::text[],
          ${chunk.map((r) => r.location)}::text[],
          ${chunk.map((r) => r.unit)}::text[],
          ${chunk.map((r) => r.receivedAt)}::timestamptz[]
        )
        on conflict (charge_point_id, connector_id, timestamp, measurand, phase, location, md5(value)) do nothing
        returning charge_point_id
      `;
      for (const { charge_point_id } of inserted) {
        const m = member.get(charge_point_id);
        if (m !== undefined) counts[m]! += 1;
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
