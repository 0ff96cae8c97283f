/**
 * Meter values on PostgreSQL: one row per sampled value, each stored once (a unique index on the natural key;
 * `on conflict do nothing`), every station's rows of a commit in one `unnest` statement.
 */
import type { Sql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { isTransactionId } from "../../model/transaction.ts";
import { iso, type Writer } from "./sql.ts";

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

  /**
   * Inserts every member's rows; returns how many of each member's rows were new. The members of one commit
   * are distinct stations (`rounds.ts`), so the rows inserted are credited by their station: no key is built
   * or matched per row.
   */
  async write(tx: Writer, members: readonly StationChanges[]): Promise<number[]> {
    const rows = members.flatMap((m) => m.meterValues ?? []);
    const member = new Map(members.map((m, i) => [m.chargePointId, i]));
    const counts = members.map(() => 0);
    // Every chunk is sent before the first answer is awaited: the committer pipelines its statements and may
    // have sent its COMMIT right behind them.
    const statements = [];
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + MAX_ROWS_PER_STATEMENT);
      // One JSON text for the whole chunk (JSON.stringify is native; postgres.js escapes an array parameter
      // element by element in JavaScript): one statement text whatever the batch size (one prepared statement
      // per connection), and no bind-parameter limit. Of equal rows in one statement the first is inserted.
      statements.push(tx<{ charge_point_id: string }[]>`
        insert into meter_values (
          charge_point_id, connector_id, transaction_id, timestamp, value, context, format, measurand, phase,
          location, unit, received_at
        )
        select r."chargePointId", r."connectorId", r."transactionId", r."timestamp"::timestamptz, r.value,
          r.context, r.format, r.measurand, coalesce(r.phase, ''), r.location, r.unit, r."receivedAt"::timestamptz
        from json_to_recordset(${rowsJson(chunk)}::text::json) as r(
          "chargePointId" text, "connectorId" int, "transactionId" int, "timestamp" text, value text,
          context text, format text, measurand text, phase text, location text, unit text, "receivedAt" text
        )
        on conflict (charge_point_id, connector_id, timestamp, measurand, phase, location, md5(value)) do nothing
        returning charge_point_id
      `.execute());
    }
    for (const inserted of await Promise.all(statements)) {
      for (const { charge_point_id } of inserted) {
        const m = member.get(charge_point_id);
        if (m !== undefined) counts[m]! += 1;
      }
    }
    return counts;
  }
}

/** A lone surrogate, which JSON.stringify writes as an escape and PostgreSQL's JSON parser refuses. */
const LONE_SURROGATE = /\\u[dD][89a-fA-F]/;

/**
 * The rows as one JSON array. A string with a lone surrogate (valid JSON from a station, not valid Unicode)
 * gets U+FFFD in its place, as UTF-8 encoding of a text parameter would give.
 */
function rowsJson(rows: readonly MeterValueRow[]): string {
  const json = JSON.stringify(rows);
  if (!LONE_SURROGATE.test(json)) return json;
  return JSON.stringify(rows, (_, v) => typeof v === "string" ? v.toWellFormed() : v);
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
