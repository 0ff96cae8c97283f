/**
 * Meter values on PostgreSQL (migration 015): one `meter_groups` row per MeterValues `meterValue` element,
 * holding the sampled values of one connector at one time, unique on (station, connector, time). A frame's
 * group costs one row and its index entries where a row per sampled value cost them four times over.
 *
 * Every sampled value is stored once, as before: a group is written only when no group and no older row of its
 * time is stored (`on conflict do nothing`); the sampled values of a group that was not written (a replay, or a
 * frame overlapping an earlier one at the same time) are then written one per `meter_values` row under their
 * natural key, each only when the stored group does not hold it already. That second statement is sent after
 * the first has answered, so its snapshot sees every group the first one met (a group another transaction was
 * writing is committed by then: `on conflict` waited for it). Rows written before migration 015 stay in
 * `meter_values` and are read with the groups; both tables draw `seq` from one sequence, so the values of one
 * time are listed in the order they were stored, as before.
 */
import type { Sql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import { type MeterValueRow, sameSampledValue } from "../../model/meter_value.ts";
import { isTransactionId } from "../../model/transaction.ts";
import {
  ForeignCursorError,
  type ListCursor,
  meterValueCursorId,
  parseMeterValueCursor,
} from "../../model/list_cursor.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import { jsonParam } from "./json_param.ts";
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

/** A sampled value as a group stores it: [value, context, format, measurand, phase, location, unit]. */
type Sampled = [string, string, string, string, string | null, string, string];

/** Consecutive rows of one station, connector, time, transaction and arrival: one group. */
interface Run {
  chargePointId: string;
  connectorId: number;
  transactionId: number | null;
  timestamp: string;
  receivedAt: string;
  /** The rows' positions in the batch (their order of storing), one per distinct sampled value. */
  positions: number[];
}

/**
 * The columns of a group's sampled values as rows (`g` a meter_groups row, `s(v, k)` its sampled values with
 * their positions), in the order of `rowColumns`: the two tables read as one by `union all`.
 */
function groupValueColumns(sql: Sql) {
  return sql`g.charge_point_id, g.connector_id, g.transaction_id, g.timestamp, g.received_at, g.seq, s.k,
    s.v->>0 as value, s.v->>1 as context, s.v->>2 as format, s.v->>3 as measurand,
    coalesce(s.v->>4, '') as phase, s.v->>5 as location, s.v->>6 as unit`;
}

/** The columns of a meter_values row (one sampled value, position 0), in the order of `groupValueColumns`. */
function rowColumns(sql: Sql) {
  return sql`charge_point_id, connector_id, transaction_id, timestamp, received_at, seq, 0,
    value, context, format, measurand, phase, location, unit`;
}

export class PgMeterValues {
  constructor(private readonly sql: Sql) {}

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    if (!isTransactionId(transactionId)) return [];
    // The view (migration 015) is the groups and the older rows as one row per sampled value; the condition
    // reaches both tables' transaction indexes.
    const rows = await this.sql<MeterValueDbRow[]>`
      select * from meter_value_rows where transaction_id = ${transactionId}
      order by timestamp, seq, position
    `;
    return rows.map(toMeterValue);
  }

  /**
   * Oldest first by (timestamp, seq, position), one row past the page read so `next` is null on the last.
   * Each table is read in the order of its `(transaction_id, timestamp, seq)` index and limited: each group
   * holds at least one value, so `limit + 1` groups after the cursor's (which may hold none after it) hold the
   * rows wanted. Through the view the planner read and sorted every value after the cursor (a session walked
   * by pages cost the square of its length).
   */
  async pageMeterValuesByTransaction(
    transactionId: number,
    page: { limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    const after = page.after === undefined ? undefined : parseMeterValueCursor(page.after);
    if (after === null || (after !== undefined && !/^[0-9]{1,18}$/.test(after.seq))) {
      throw new ForeignCursorError(page.after!);
    }
    const { limit } = page;
    if (limit <= 0 || !isTransactionId(transactionId)) return { items: [], next: null };
    const sql = this.sql;
    const at = after?.at;
    const seq = after?.seq;
    const rows = await sql<(MeterValueDbRow & { seq: string; k: string })[]>`
      select * from (
        select ${groupValueColumns(sql)}
        from (
          select * from meter_groups where transaction_id = ${transactionId}
            ${after ? sql`and (timestamp, seq) >= (${at!}::timestamptz, ${seq!}::bigint)` : sql``}
          order by timestamp, seq limit ${limit + 2}
        ) g, jsonb_array_elements(g.sampled) with ordinality as s(v, k)
        union all (
          select ${rowColumns(sql)}
          from meter_values where transaction_id = ${transactionId}
            ${after ? sql`and (timestamp, seq) > (${at!}::timestamptz, ${seq!}::bigint)` : sql``}
          order by timestamp, seq limit ${limit + 1}
        )
      ) v
      where true
        ${
      after
        ? sql`and (timestamp, seq, k) > (${at!}::timestamptz, ${seq!}::bigint, ${after.position}::bigint)`
        : sql``
    }
      order by timestamp, seq, k
      limit ${limit + 1}
    `;
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map(toMeterValue),
      next: last === undefined
        ? null
        : { at: iso(last.timestamp), id: meterValueCursorId(String(last.seq), Number(last.k)) },
    };
  }

  /**
   * By (received_at, seq, position) from `since`, reading only what is new: each table's values that arrived
   * far from their time by the partial arrival index (migration 047), the others by time from 5 minutes
   * before `since` (the same ARRIVAL_SKEW_MS as KV's), each with a limit, however long the session.
   */
  async pageMeterValuesReceivedSince(
    transactionId: number,
    page: { since: string; limit: number; after?: ListCursor },
  ): Promise<HistoryPage<MeterValueRow>> {
    const parsed = page.after === undefined ? undefined : parseMeterValueCursor(page.after);
    if (parsed === null || (parsed !== undefined && !/^[0-9]{1,18}$/.test(parsed.seq))) {
      throw new ForeignCursorError(page.after!);
    }
    const { limit, since } = page;
    if (limit <= 0 || !isTransactionId(transactionId)) return { items: [], next: null };
    // A cursor before `since` (another read's) starts no earlier than `since`.
    const after = parsed !== undefined && parsed.at >= since ? parsed : undefined;
    const sql = this.sql;
    const at = after?.at;
    const seq = after?.seq;
    const lower = at ?? since;
    // Written as the index predicate is (timestamptz - timestamptz is immutable, - interval is not).
    const far =
      sql`(timestamp - received_at < interval '-5 minutes' or timestamp - received_at > interval '5 minutes')`;
    const near = sql`timestamp >= ${lower}::timestamptz - interval '5 minutes'
      and timestamp - received_at between interval '-5 minutes' and interval '5 minutes'`;
    // A group may hold rows past the cursor's position: its own entry is read again.
    const groupsNew = sql`received_at >= ${since}::timestamptz
      ${after ? sql`and (received_at, seq) >= (${at!}::timestamptz, ${seq!}::bigint)` : sql``}`;
    const valuesNew = sql`received_at >= ${since}::timestamptz
      ${after ? sql`and (received_at, seq) > (${at!}::timestamptz, ${seq!}::bigint)` : sql``}`;
    const rows = await sql<(MeterValueDbRow & { seq: string; k: string })[]>`
      select * from (
        select ${groupValueColumns(sql)}
        from (
          (select * from meter_groups where transaction_id = ${transactionId} and ${far} and ${groupsNew}
            order by received_at, seq limit ${limit + 2})
          union all
          (select * from meter_groups where transaction_id = ${transactionId} and ${near} and ${groupsNew}
            order by received_at, seq limit ${limit + 2})
        ) g, jsonb_array_elements(g.sampled) with ordinality as s(v, k)
        union all (
          select ${rowColumns(sql)}
          from meter_values where transaction_id = ${transactionId} and ${far} and ${valuesNew}
          order by received_at, seq limit ${limit + 1}
        )
        union all (
          select ${rowColumns(sql)}
          from meter_values where transaction_id = ${transactionId} and ${near} and ${valuesNew}
          order by received_at, seq limit ${limit + 1}
        )
      ) v
      where true
        ${
      after
        ? sql`and (received_at, seq, k) > (${at!}::timestamptz, ${seq!}::bigint, ${after.position}::bigint)`
        : sql``
    }
      order by received_at, seq, k
      limit ${limit + 1}
    `;
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map(toMeterValue),
      next: last === undefined
        ? null
        : { at: iso(last.received_at), id: meterValueCursorId(String(last.seq), Number(last.k)) },
    };
  }

  /** Newest first, each table read backwards in its `(transaction_id, timestamp, seq)` index with a limit. */
  async listRecentMeterValuesByTransaction(transactionId: number, limit: number): Promise<MeterValueRow[]> {
    if (limit <= 0 || !isTransactionId(transactionId)) return [];
    const sql = this.sql;
    const rows = await sql<MeterValueDbRow[]>`
      select * from (
        select ${groupValueColumns(sql)}
        from (
          select * from meter_groups where transaction_id = ${transactionId}
          order by timestamp desc, seq desc limit ${limit}
        ) g, jsonb_array_elements(g.sampled) with ordinality as s(v, k)
        union all (
          select ${rowColumns(sql)}
          from meter_values where transaction_id = ${transactionId}
          order by timestamp desc, seq desc limit ${limit}
        )
      ) v
      order by timestamp desc, seq desc, k desc
      limit ${limit}
    `;
    return rows.map(toMeterValue);
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return (await this.pageMeterValuesByChargePoint(chargePointId, { limit })).items;
  }

  /**
   * Newest first by (timestamp, seq, position), the cursor's group (seq) read again for its rows after the
   * cursor's position; both tables' `(charge_point_id, timestamp desc, seq desc)` indexes serve the condition.
   */
  async pageMeterValuesByChargePoint(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<MeterValueRow>> {
    const { limit } = page;
    if (limit <= 0) return { items: [], next: null };
    const before = page.before === undefined ? undefined : parseMeterValueCursor(page.before);
    // Ours: a bigint seq (both tables draw it from one sequence) and a position.
    if (before === null || (before !== undefined && !/^[0-9]{1,18}$/.test(before.seq))) {
      throw new ForeignCursorError(page.before!);
    }
    const sql = this.sql;
    const at = before?.at;
    const seq = before?.seq;
    // Each group holds at least one value: the newest `limit` groups and rows hold the newest `limit` values,
    // and one more group: the cursor's, which may hold none after it.
    const rows = await this.sql<(MeterValueDbRow & { seq: string; k: string })[]>`
      select * from (
        select ${groupValueColumns(sql)}
        from (
          select * from meter_groups where charge_point_id = ${chargePointId}
            ${before ? sql`and (timestamp, seq) <= (${at!}::timestamptz, ${seq!}::bigint)` : sql``}
          order by timestamp desc, seq desc limit ${limit + 1}
        ) g, jsonb_array_elements(g.sampled) with ordinality as s(v, k)
        union all (
          select ${rowColumns(sql)}
          from meter_values where charge_point_id = ${chargePointId}
            ${before ? sql`and (timestamp, seq) < (${at!}::timestamptz, ${seq!}::bigint)` : sql``}
          order by timestamp desc, seq desc limit ${limit}
        )
      ) v
      where true
        ${
      before
        ? sql`and (timestamp, seq, k) < (${at!}::timestamptz, ${seq!}::bigint, ${before.position}::bigint)`
        : sql``
    }
      order by timestamp desc, seq desc, k desc
      limit ${limit}
    `;
    const last = rows.at(-1);
    return {
      items: rows.map(toMeterValue),
      next: rows.length === limit && last !== undefined
        ? { at: iso(last.timestamp), id: meterValueCursorId(String(last.seq), Number(last.k)) }
        : null,
    };
  }

  /**
   * Inserts every member's rows; returns how many of each member's rows were new. The members of one commit
   * are distinct stations (`rounds.ts`), so the rows inserted are credited by their station.
   */
  async write(tx: Writer, members: readonly StationChanges[]): Promise<number[]> {
    const rows = members.flatMap((m) => m.meterValues ?? []);
    const member = new Map(members.map((m, i) => [m.chargePointId, i]));
    const counts = members.map(() => 0);
    if (rows.length === 0) return counts;
    const { runs, loose } = toRuns(rows);
    // Groups first, every chunk sent before the first answer is awaited (`Writer`: started in order, right
    // after the station rows they reference).
    const statements = [];
    for (let i = 0; i < runs.length; i += MAX_ROWS_PER_STATEMENT) {
      const chunk = runs.slice(i, i + MAX_ROWS_PER_STATEMENT);
      statements.push(tx<{ run: number }[]>`
        with g as materialized (
          select * from json_to_recordset(${groupsJson(chunk, rows, i)}::text::json) as r(
            run int, "chargePointId" text, "connectorId" int, "transactionId" int, "timestamp" text,
            "receivedAt" text, sampled jsonb
          )
        ),
        inserted as (
          insert into meter_groups (charge_point_id, connector_id, transaction_id, timestamp, received_at, sampled)
          select "chargePointId", "connectorId", "transactionId", "timestamp"::timestamptz,
            "receivedAt"::timestamptz, sampled
          from g
          where not exists (
            select 1 from meter_values m where m.charge_point_id = g."chargePointId"
              and m.connector_id = g."connectorId" and m.timestamp = g."timestamp"::timestamptz
          )
          order by run
          on conflict (charge_point_id, connector_id, timestamp) do nothing
          returning charge_point_id, connector_id, timestamp
        )
        select g.run from g where not exists (
          select 1 from inserted i where i.charge_point_id = g."chargePointId"
            and i.connector_id = g."connectorId" and i.timestamp = g."timestamp"::timestamptz
        )
      `.execute());
    }
    // The groups NOT written come back (usually none: no result row to decode per stored group).
    const missed = new Set<number>();
    for (const notInserted of await Promise.all(statements)) {
      for (const { run } of notInserted) missed.add(run);
    }
    runs.forEach((r, i) => {
      if (!missed.has(i)) counts[member.get(r.chargePointId)!]! += r.positions.length;
    });
    // What no new group holds: each value alone, unless a stored group or row holds it.
    const rest = loose.slice();
    for (const i of missed) rest.push(...runs[i]!.positions);
    rest.sort((a, b) => a - b);
    const singles = [];
    for (let i = 0; i < rest.length; i += MAX_ROWS_PER_STATEMENT) {
      const chunk = rest.slice(i, i + MAX_ROWS_PER_STATEMENT).map((p) => ({ ...rows[p]!, position: p }));
      singles.push(tx<{ charge_point_id: string }[]>`
        insert into meter_values (
          charge_point_id, connector_id, transaction_id, timestamp, value, context, format, measurand, phase,
          location, unit, received_at
        )
        select r."chargePointId", r."connectorId", r."transactionId", r."timestamp"::timestamptz, r.value,
          r.context, r.format, r.measurand, coalesce(r.phase, ''), r.location, r.unit, r."receivedAt"::timestamptz
        from json_to_recordset(${rowsJson(chunk)}::text::json) as r(
          position int, "chargePointId" text, "connectorId" int, "transactionId" int, "timestamp" text,
          value text, context text, format text, measurand text, phase text, location text, unit text,
          "receivedAt" text
        )
        where not exists (
          select 1 from meter_groups g, jsonb_array_elements(g.sampled) s(v)
          where g.charge_point_id = r."chargePointId" and g.connector_id = r."connectorId"
            and g.timestamp = r."timestamp"::timestamptz and s.v->>0 = r.value and s.v->>3 = r.measurand
            and coalesce(s.v->>4, '') = coalesce(r.phase, '') and s.v->>5 = r.location
            and s.v->>1 = r.context and g.transaction_id is not distinct from r."transactionId"
        )
        order by r.position
        on conflict (
          charge_point_id, connector_id, timestamp, measurand, phase, location, md5(value), context,
          coalesce(transaction_id, 0)
        ) do nothing
        returning charge_point_id
      `.execute());
    }
    for (const inserted of await Promise.all(singles)) {
      for (const { charge_point_id } of inserted) {
        const m = member.get(charge_point_id);
        if (m !== undefined) counts[m]! += 1;
      }
    }
    return counts;
  }
}

/**
 * The batch's rows as groups: consecutive rows of one station, connector, time, transaction and arrival form
 * one (a value repeated in it counted once). Rows of a time that an earlier group of the batch has already are
 * `loose`: written one by one after the groups, as overlapping frames are.
 */
function toRuns(rows: readonly MeterValueRow[]): { runs: Run[]; loose: number[] } {
  const runs: Run[] = [];
  const loose: number[] = [];
  const seen = new Set<string>();
  let run: Run | undefined;
  rows.forEach((row, position) => {
    if (
      run === undefined || run.timestamp !== row.timestamp || run.connectorId !== row.connectorId ||
      run.chargePointId !== row.chargePointId || run.transactionId !== row.transactionId ||
      run.receivedAt !== row.receivedAt
    ) {
      const key = `${row.chargePointId}\u0000${row.connectorId}\u0000${row.timestamp}`;
      if (seen.has(key)) {
        run = undefined;
        loose.push(position);
        return;
      }
      seen.add(key);
      const { chargePointId, connectorId, transactionId, timestamp, receivedAt } = row;
      run = { chargePointId, connectorId, transactionId, timestamp, receivedAt, positions: [] };
      runs.push(run);
    }
    // A value repeated within the group (same natural key) is stored once: a few values per group, so a scan.
    for (const p of run.positions) if (sameSampledValue(rows[p]!, row)) return;
    run.positions.push(position);
  });
  return { runs, loose };
}

function groupsJson(runs: readonly Run[], rows: readonly MeterValueRow[], first: number): string {
  return jsonParam(runs.map((r, i) => ({
    run: first + i,
    chargePointId: r.chargePointId,
    connectorId: r.connectorId,
    transactionId: r.transactionId,
    timestamp: r.timestamp,
    receivedAt: r.receivedAt,
    sampled: r.positions.map((p): Sampled => {
      const v = rows[p]!;
      return [v.value, v.context, v.format, v.measurand, v.phase, v.location, v.unit];
    }),
  })));
}

function rowsJson(rows: readonly (MeterValueRow & { position: number })[]): string {
  return jsonParam(rows);
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
