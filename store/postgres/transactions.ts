/**
 * Transactions and orphan stops on PostgreSQL: the lookups the rules of `model/transaction.ts` decide from,
 * the lists, id blocks from the identity sequence, and the commit's statements. The database's own guards
 * turn a concurrent writer into a conflict: the replay key is a unique constraint (an insert that hits it
 * inserts nothing), a start takes its connector's advisory lock and finds no active transaction it did not
 * supersede, and an update only applies while the transaction still has the status it was decided from.
 * Which transactions are active is also `open_transactions` (migration 016), kept by the same statements: the
 * lookups of open transactions and the start's guard read it, so no index of `transactions` names `status`.
 */
import { rangesOf, type SeqNoRanges, storedSeqNos } from "../../model/seq_no_ranges.ts";
import type { Sql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import {
  isTransactionId,
  type OrphanStopRecord,
  type StartKey,
  type TransactionRecord,
  withEnergy,
} from "../../model/transaction.ts";
import type { TransactionFilter } from "../mod.ts";
import { byOrdinal, oneByKey } from "./batched_reads.ts";
import { jsonParam } from "./json_param.ts";
import { iso, jsonOrNull, type Writer } from "./sql.ts";

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
  station_id_reuse: number;
  seq_nos: number[] | [number, number][] | null;
  remote_start_id: number | null;
  meter_start_unknown: boolean;
  highest_reading: string | null;
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

/** What a guarded statement reports: the members (indexes) it skipped, and the row version (xmin) it wrote. */
export interface Written {
  conflicts: Set<number>;
  version: string | undefined;
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
        and station_transaction_id is null
    `;
    return rows[0] ? toTransaction(rows[0]) : null;
  }

  /** `getTransaction` of many ids in one statement (each a valid id), one answer per id in order. */
  async getTransactions(ids: readonly number[]): Promise<(TransactionRecord | null)[]> {
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions where transaction_id = any(${ids}::int[])
    `;
    return oneByKey(rows, ids, (r) => r.transaction_id, toTransaction);
  }

  /** `findTransactionByStart` of many keys in one statement (one JSON text), one answer per key in order. */
  async findTransactionsByStart(keys: readonly StartKey[]): Promise<(TransactionRecord | null)[]> {
    const json = JSON.stringify(keys.map((k, i) => ({
      n: i + 1,
      cp: k.chargePointId,
      connector: k.connectorId,
      tag: k.idTag,
      meter: k.meterStart,
      at: k.timestamp,
    })));
    const rows = await this.sql<(TransactionRow & { n: number })[]>`
      select v.n, t.* from json_to_recordset(${json}::text::json)
        as v(n int, cp text, connector int, tag text, meter bigint, at timestamptz)
      join transactions t on t.charge_point_id = v.cp and t.connector_id = v.connector and t.id_tag = v.tag
        and t.meter_start = v.meter and t.start_timestamp = v.at and t.station_transaction_id is null
    `;
    return byOrdinal(rows, keys.length).map((r) => r[0] ? toTransaction(r[0]) : null);
  }

  /** `findActiveTransactionsOn` of many connectors in one statement, one answer per connector in order. */
  async findActiveTransactionsOnMany(
    keys: readonly { chargePointId: string; connectorId: number }[],
  ): Promise<TransactionRecord[][]> {
    const json = JSON.stringify(
      keys.map((k, i) => ({ n: i + 1, cp: k.chargePointId, connector: k.connectorId })),
    );
    const rows = await this.sql<(TransactionRow & { n: number })[]>`
      select v.n, t.* from json_to_recordset(${json}::text::json) as v(n int, cp text, connector int)
      join open_transactions o on o.charge_point_id = v.cp and o.connector_id = v.connector
      join transactions t on t.transaction_id = o.transaction_id
    `;
    return byOrdinal(rows, keys.length).map((r) => r.map(toTransaction));
  }

  async findTransactionByStationId(
    chargePointId: string,
    stationTransactionId: string,
    reuse?: number,
  ): Promise<TransactionRecord | null> {
    const rows = await this.sql<TransactionRow[]>`
      select * from transactions
      where charge_point_id = ${chargePointId} and station_transaction_id = ${stationTransactionId}
        ${reuse === undefined ? this.sql`` : this.sql`and station_id_reuse = ${reuse}`}
      order by station_id_reuse desc
      limit 1
    `;
    return rows[0] ? toTransaction(rows[0]) : null;
  }

  async findActiveTransactionsOn(chargePointId: string, connectorId: number): Promise<TransactionRecord[]> {
    const rows = await this.sql<TransactionRow[]>`
      select t.* from open_transactions o join transactions t on t.transaction_id = o.transaction_id
      where o.charge_point_id = ${chargePointId} and o.connector_id = ${connectorId}
    `;
    return rows.map(toTransaction);
  }

  async findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    const rows = await this.sql<TransactionRow[]>`
      select t.* from open_transactions o join transactions t on t.transaction_id = o.transaction_id
      where lower(o.id_tag collate "C") = lower(${idTag}::text collate "C")
      order by o.transaction_id desc
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
    const station = filter.chargePointId !== undefined
      ? sql`charge_point_id = ${filter.chargePointId}`
      : null;
    // The active ones through open_transactions (no index of transactions has the status): one row per
    // running session, where a station's or the whole table's history would be read for them otherwise.
    const open = filter.status === "active"
      ? sql`and transaction_id in (select transaction_id from open_transactions ${
        station ? sql`where ${station}` : sql``
      })`
      : sql``;
    const rows = await sql<TransactionRow[]>`
      select * from transactions
      where true
        ${station ? sql`and ${station}` : sql``}
        ${open}
        ${filter.connectorId !== undefined ? sql`and connector_id = ${filter.connectorId}` : sql``}
        ${
      filter.idTag !== undefined
        ? sql`and lower(id_tag collate "C") = lower(${filter.idTag}::text collate "C")`
        : sql``
    }
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
   * expected status, and its row the version `versionOf` gives (the one a recalled record was written with,
   * `recalled_transactions.ts`). Returns the members (indexes) not all of whose updates applied (conflicts),
   * and the version (xmin) the statement wrote.
   */
  async writeUpdates(
    tx: Writer,
    members: readonly StationChanges[],
    versionOf: (transactionId: number) => string | undefined = () => undefined,
  ): Promise<Written> {
    const updates = members.flatMap((m, member) =>
      (m.transactionUpdates ?? []).map((u) => ({ ...u, member }))
    );
    if (updates.length === 0) return { conflicts: new Set(), version: undefined };
    // One JSON parameter for every row (`json_param.ts`).
    const rows = updates.map(({ transaction: x, expectedStatus, stopIdTagStatus }) => ({
      transaction_id: x.transactionId,
      charge_point_id: x.chargePointId,
      expected: expectedStatus,
      status: x.status,
      superseded_by: x.supersededBy,
      meter_stop: x.meterStop,
      stop_timestamp: x.stopTimestamp,
      stop_reason: x.stopReason,
      stop_id_tag: x.stopIdTag,
      stop_id_tag_status: stopIdTagStatus ?? null,
      stopped_at: x.stoppedAt,
      id_tag: x.idTag,
      start_id_tag_status: x.startIdTagStatus,
      meter_start: x.meterStart,
      start_timestamp: x.startTimestamp,
      reservation_id: x.reservationId,
      seq_nos: seqNosText(x),
      remote_start_id: x.remoteStartId ?? null,
      meter_start_unknown: x.meterStartUnknown ?? false,
      highest_reading: x.highestReading ?? null,
      version: versionOf(x.transactionId) ?? null,
    }));
    // The open row follows in the same statement: deleted when the transaction ends or is superseded, its id
    // tag kept current while it stays active (a 2.0.1 start filled in late).
    const applied = await tx<{ transaction_id: number; version: string }[]>`
      with updated as (
      update transactions as t set
        status = v.status, superseded_by = v.superseded_by, meter_stop = v.meter_stop,
        stop_timestamp = v.stop_timestamp, stop_reason = v.stop_reason, stop_id_tag = v.stop_id_tag,
        stop_id_tag_status = v.stop_id_tag_status, stopped_at = v.stopped_at,
        -- OCPP 2.0.1 events may fill in the start late (a Started after later events) and add seqNos.
        id_tag = v.id_tag, start_id_tag_status = v.start_id_tag_status, meter_start = v.meter_start,
        start_timestamp = v.start_timestamp, reservation_id = v.reservation_id,
        seq_nos = coalesce(v.seq_nos::text::integer[], t.seq_nos), remote_start_id = v.remote_start_id,
        meter_start_unknown = v.meter_start_unknown, highest_reading = v.highest_reading
      from json_to_recordset(${jsonParam(rows)}::text::json) as v(
        transaction_id int, charge_point_id text, expected text, status text, superseded_by int, meter_stop bigint,
        stop_timestamp timestamptz, stop_reason text, stop_id_tag text, stop_id_tag_status text,
        stopped_at timestamptz, id_tag text, start_id_tag_status text, meter_start bigint,
        start_timestamp timestamptz, reservation_id int, seq_nos text, remote_start_id int,
        meter_start_unknown boolean, highest_reading bigint, version text
      )
      where t.transaction_id = v.transaction_id and t.charge_point_id = v.charge_point_id
        and t.status = v.expected and (v.version is null or t.xmin = v.version::xid)
      returning t.transaction_id, t.charge_point_id, t.connector_id, t.id_tag, t.status, t.xmin::text as version
      ), closed as (
        delete from open_transactions o using updated u
        where o.charge_point_id = u.charge_point_id and o.connector_id = u.connector_id
          and o.transaction_id = u.transaction_id and u.status <> 'active'
      ), opened as (
        insert into open_transactions (transaction_id, charge_point_id, connector_id, id_tag)
        select transaction_id, charge_point_id, connector_id, id_tag from updated where status = 'active'
        on conflict (charge_point_id, connector_id, transaction_id) do update set id_tag = excluded.id_tag
        where open_transactions.id_tag <> excluded.id_tag
      )
      select transaction_id, version from updated
    `.execute();
    const done = new Set(applied.map((r) => r.transaction_id));
    return {
      conflicts: new Set(updates.filter((u) => !done.has(u.transaction.transactionId)).map((u) => u.member)),
      version: applied[0]?.version,
    };
  }

  /**
   * Every new transaction of the batch, with the ids its members allocated. Starts on one connector are
   * serialised across nodes by an advisory lock; the insert (a statement of its own, so its snapshot is taken
   * once the locks are held) skips a start whose connector has an active transaction its member did not decide
   * to supersede, and one whose replay key is already stored. Returns the members whose starts were skipped:
   * conflicts. Both statements are sent at once (pipelined); run before `writeUpdates`, whose supersede points
   * at these rows.
   */
  async writeStarts(tx: Writer, members: readonly StationChanges[]): Promise<Written> {
    const starts = members.flatMap((m, member) => (m.transactionsStarted ?? []).map((t) => ({ t, member })));
    if (starts.length === 0) return { conflicts: new Set(), version: undefined };
    const t = starts.map((s) => s.t);
    // What each start's member supersedes does not block it (an array literal per start, like seqNos).
    const superseding = starts.map(({ member }) => {
      const ids = (members[member]!.transactionUpdates ?? []).filter((u) => u.transaction.status !== "active")
        .map((u) => u.transaction.transactionId);
      return `{${ids.join(",")}}`;
    });
    // Two-int lock space (the migration lock lives in the one-bigint space), taken in one order everywhere.
    const locked = tx`
      select pg_advisory_xact_lock(hashtext(cp), connector)
      from (select distinct cp, connector
            from unnest(${t.map((x) => x.chargePointId)}::text[], ${t.map((x) => x.connectorId)}::int[])
              as v(cp, connector)
            order by 1, 2) as locks
    `.execute();
    // One JSON parameter for every row (`json_param.ts`); times go as text, cast by PostgreSQL: the insert is
    // pipelined behind the locks, and a value postgres.js refused to serialize there would leave the connection
    // waiting.
    const values = starts.map(({ t: x }, i) => ({
      transaction_id: x.transactionId,
      charge_point_id: x.chargePointId,
      connector_id: x.connectorId,
      id_tag: x.idTag,
      start_id_tag_status: x.startIdTagStatus,
      meter_start: x.meterStart,
      start_timestamp: x.startTimestamp,
      reservation_id: x.reservationId,
      created_at: x.createdAt,
      status: x.status,
      superseded_by: x.supersededBy,
      meter_stop: x.meterStop,
      stop_timestamp: x.stopTimestamp,
      stop_reason: x.stopReason,
      stop_id_tag: x.stopIdTag,
      stopped_at: x.stoppedAt,
      station_transaction_id: x.stationTransactionId ?? null,
      station_id_reuse: x.stationIdReuse ?? 0,
      seq_nos: seqNosText(x),
      remote_start_id: x.remoteStartId ?? null,
      meter_start_unknown: x.meterStartUnknown ?? false,
      highest_reading: x.highestReading ?? null,
      superseding: superseding[i],
    }));
    const inserted = tx<{ transaction_id: number; version: string }[]>`
      with inserted as (
      insert into transactions (
        transaction_id, charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start, start_timestamp,
        reservation_id, created_at, status, superseded_by, meter_stop, stop_timestamp, stop_reason, stop_id_tag,
        stopped_at, station_transaction_id, seq_nos, remote_start_id, meter_start_unknown, highest_reading,
        station_id_reuse
      ) overriding system value
      select v.transaction_id, v.charge_point_id, v.connector_id, v.id_tag, v.start_id_tag_status, v.meter_start,
        v.start_timestamp, v.reservation_id, v.created_at, v.status, v.superseded_by, v.meter_stop,
        v.stop_timestamp, v.stop_reason, v.stop_id_tag, v.stopped_at, v.station_transaction_id,
        v.seq_nos::integer[], v.remote_start_id, v.meter_start_unknown, v.highest_reading, v.station_id_reuse
      from json_to_recordset(${jsonParam(values)}::text::json) as v(
        transaction_id int, charge_point_id text, connector_id int, id_tag text, start_id_tag_status text,
        meter_start bigint, start_timestamp timestamptz, reservation_id int, created_at timestamptz, status text,
        superseded_by int, meter_stop bigint, stop_timestamp timestamptz, stop_reason text, stop_id_tag text, stopped_at timestamptz,
        station_transaction_id text, seq_nos text, remote_start_id int, meter_start_unknown boolean,
        highest_reading bigint, superseding text, station_id_reuse int
      )
      -- An OCPP 2.0.1 transaction stored already finished (its Ended came first) opens nothing, so blocks nothing.
      where v.status <> 'active' or not exists (
        select 1 from open_transactions o
        where o.charge_point_id = v.charge_point_id and o.connector_id = v.connector_id
          and o.transaction_id <> all(v.superseding::integer[])
      )
      -- The replay key of a 1.6 start, or a 2.0.1 station's own transaction id, already stored.
      on conflict do nothing
      returning transaction_id, charge_point_id, connector_id, id_tag, status, xmin::text as version
      ), opened as (
        insert into open_transactions (transaction_id, charge_point_id, connector_id, id_tag)
        select transaction_id, charge_point_id, connector_id, id_tag from inserted where status = 'active'
      )
      select transaction_id, version from inserted
    `.execute();
    const [, rows] = await Promise.all([locked, inserted]);
    const done = new Set(rows.map((r) => r.transaction_id));
    return {
      conflicts: new Set(starts.filter((s) => !done.has(s.t.transactionId)).map((s) => s.member)),
      version: rows[0]?.version,
    };
  }

  /** Orphan stops under their natural key: a replay inserts nothing. */
  async writeOrphans(tx: Writer, members: readonly StationChanges[]): Promise<void> {
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
    await tx`insert into orphan_stops ${tx(rows, ORPHAN_STOP_COLUMNS)} on conflict do nothing`.execute();
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

/**
 * The seqNo ranges as an array literal text for `seq_nos` (unnest cannot take an array of arrays of different
 * lengths): two-dimensional, `{{first,last},...}`; a row written before ranges holds every seqNo,
 * one-dimensional, and reads as ranges too.
 */
function seqNosText(tx: TransactionRecord): string | null {
  const ranges = tx.seqNoRanges ?? (tx.seqNos === undefined ? undefined : storedSeqNos(tx));
  if (ranges === undefined) return null;
  return `{${ranges.map(([first, last]) => `{${first},${last}}`).join(",")}}`;
}

/** `seq_nos` as read: ranges (two-dimensional), or every seqNo (a row written before ranges). */
function seqNoRangesOf(column: number[] | [number, number][]): SeqNoRanges {
  return column.length > 0 && Array.isArray(column[0])
    ? column as [number, number][]
    : rangesOf(column as number[]);
}

function toTransaction(r: TransactionRow): TransactionRecord {
  const meterStart = Number(r.meter_start);
  const meterStop = r.meter_stop === null ? null : Number(r.meter_stop);
  return withEnergy({
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
    energyWh: null,
    createdAt: iso(r.created_at),
    stoppedAt: iso(r.stopped_at),
    ...(r.station_transaction_id !== null ? { stationTransactionId: r.station_transaction_id } : {}),
    ...(r.station_id_reuse ? { stationIdReuse: r.station_id_reuse } : {}),
    ...(r.seq_nos !== null ? { seqNoRanges: seqNoRangesOf(r.seq_nos) } : {}),
    ...(r.remote_start_id !== null ? { remoteStartId: r.remote_start_id } : {}),
    ...(r.meter_start_unknown ? { meterStartUnknown: true as const } : {}),
    ...(r.highest_reading !== null ? { highestReading: Number(r.highest_reading) } : {}),
  });
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
