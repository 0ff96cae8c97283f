/**
 * The PostgreSQL Store, chosen when `DATABASE_URL` is set (Deno KV stays the default). Built only in `main.ts`
 * and in tests; it owns its postgres.js pool and closes it in `close()`.
 *
 * Group commit (the hot path): `addMeterValues` and `touchChargePoint` calls arriving within `groupCommitMs`
 * of each other, from any number of stations, are written together in one transaction of multi-row
 * statements. Each caller's promise settles only after the transaction holding ITS rows has committed (it
 * rejects when that commit failed), so nothing is reported as stored that was not. The pool does not keep
 * order between statements, so order per station comes from the caller: each station's actor awaits one
 * store write before it issues the next, hence two writes of one station are never in the same pending batch
 * or in two batches in flight at once.
 *
 * Outages: when PostgreSQL cannot be reached every method rejects with {@linkcode StoreUnavailableError}
 * within about `connectTimeoutSeconds` (refused connections fail at once; a hung socket is cut off by
 * `operationTimeoutMs`). postgres.js reconnects on the next query, so the store works again by itself once the
 * server is back; nothing needs reopening.
 *
 * @example
 * ```ts ignore
 * import { openPostgresStore } from "./postgres.ts";
 * const store = await openPostgresStore(Deno.env.get("DATABASE_URL")!);
 * await store.touchChargePoint("CP-1", new Date().toISOString());
 * await store.close();
 * ```
 */
import postgres from "postgres";
import type { Sql, TransactionSql } from "postgres";
import { type CommitObserver, GroupCommit } from "./group_commit.ts";
import { openMigratedPool } from "./migrate.ts";
import {
  type ChargePointRecord,
  checkSameStation,
  type CommandLogEntry,
  type IdTagRecord,
  type MeterValueRow,
  type OrphanStopRecord,
  type PageRequest,
  type Reservation,
  type ScheduledAvailability,
  type StartTransactionInput,
  type StartTransactionOutcome,
  type StatusHistoryEntry,
  type StopTransactionInput,
  type StopTransactionOutcome,
  type Store,
  StoreUnavailableError,
  type TransactionFilter,
  type TransactionRecord,
} from "./store.ts";

export interface PostgresStoreOptions {
  /** How long the first write of a group waits for company, in ms (default 2). 0 still groups same-tick calls. */
  groupCommitMs?: number;
  /** A group is written at once when it reaches this many callers (default 500). */
  groupCommitMaxCallers?: number;
  /** Bound on opening a connection, in seconds (default 3). */
  connectTimeoutSeconds?: number;
  /** Bound on any one store call, in ms, for sockets that hang instead of failing (default 10000). */
  operationTimeoutMs?: number;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Apply pending migrations when opening (default true; false when operators run `deno task db:migrate`). */
  migrate?: boolean;
  /** Called after each group commit, for metrics and tests. */
  onGroupCommit?: (info: GroupCommitInfo) => void;
  /** Told about each group commit's size and duration (metrics). */
  commitObserver?: CommitObserver;
}

export interface GroupCommitInfo {
  kind: "meterValues" | "touch";
  /** How many store calls this one transaction served. */
  callers: number;
  /** How many rows were sent (meter values) or station ids touched. */
  rows: number;
  ok: boolean;
}

/** Opens a pool, applies pending migrations (unless `migrate: false`) and returns the store. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  let sql: postgres.Sql;
  try {
    sql = await openMigratedPool(url, {
      maxConnections: options.maxConnections ?? 10,
      applicationName: "ocpp-csms",
      ...(options.connectTimeoutSeconds !== undefined
        ? { connectTimeoutSeconds: options.connectTimeoutSeconds }
        : {}),
      ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
    });
  } catch (err) {
    if (isUnavailable(err)) {
      throw new StoreUnavailableError(`Cannot open the PostgreSQL store: ${describe(err)}`, { cause: err });
    }
    throw err;
  }
  return new PostgresStore(sql, options);
}

/** The most a single multi-row statement carries, well under Postgres' 65535 bind parameters. */
const MAX_ROWS_PER_STATEMENT = 4000;

export class PostgresStore implements Store {
  readonly #sql: Sql;
  readonly #operationTimeoutMs: number;
  readonly #onGroupCommit: ((info: GroupCommitInfo) => void) | undefined;
  readonly #meterGroup: GroupCommit<MeterValueRow[], number>;
  readonly #touchGroup: GroupCommit<{ id: string; lastSeen: string }, void>;
  /** Station ids known to have a charge_points row (rows are never deleted), to skip the on-demand insert. */
  readonly #knownChargePoints = new Set<string>();
  #closed = false;

  /** Prefer {@linkcode openPostgresStore}, which also migrates. The store takes ownership of `sql`. */
  constructor(sql: Sql, options: PostgresStoreOptions = {}) {
    this.#sql = sql;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 10_000;
    this.#onGroupCommit = options.onGroupCommit;
    const windowMs = options.groupCommitMs ?? 2;
    const maxCallers = options.groupCommitMaxCallers ?? 500;
    const observer = options.commitObserver;
    this.#meterGroup = new GroupCommit(windowMs, maxCallers, (b) => this.#commitMeterValues(b), observer);
    this.#touchGroup = new GroupCommit(windowMs, maxCallers, (b) => this.#commitTouches(b), observer);
  }

  /** Writes what is pending, waits for writes in flight, then closes the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#meterGroup.drain(), this.#touchGroup.drain()]);
    await this.#sql.end({ timeout: 5 });
  }

  // --- charge points -------------------------------------------------------------------------------------

  async getChargePoint(id: string): Promise<ChargePointRecord | null> {
    return await this.#run(`get charge point "${id}"`, async () => {
      const rows = await this.#sql<ChargePointRow[]>`select * from charge_points where id = ${id}`;
      return rows[0] ? toChargePoint(rows[0]) : null;
    });
  }

  async putChargePoint(record: ChargePointRecord): Promise<void> {
    await this.#run(`save charge point "${record.id}"`, async () => {
      const sql = this.#sql;
      const row = chargePointRow(sql, record);
      await sql`
        insert into charge_points ${sql(row, CHARGE_POINT_COLUMNS)}
        on conflict (id) do update set ${sql(row, CHARGE_POINT_COLUMNS.slice(1))}
      `;
      this.#knownChargePoints.add(record.id);
    });
  }

  async touchChargePoint(id: string, lastSeen: string): Promise<void> {
    await this.#run(`touch charge point "${id}"`, () => this.#touchGroup.submit({ id, lastSeen }));
  }

  async listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]> {
    return await this.#run("list charge points", async () => {
      const sql = this.#sql;
      const rows = await sql<ChargePointRow[]>`
        select * from charge_points
        where true
          ${page.after !== undefined ? sql`and id > ${page.after}` : sql``}
          ${page.search ? sql`and strpos(lower(id), lower(${page.search})) > 0` : sql``}
        order by id
        limit ${page.limit}
      `;
      return rows.map(toChargePoint);
    });
  }

  async appendStatusHistory(entry: StatusHistoryEntry): Promise<void> {
    await this.#run(`append status of "${entry.chargePointId}"`, async () => {
      await this.#sql.begin(async (tx) => {
        await this.#ensureChargePoints(tx, [entry.chargePointId], entry.receivedAt);
        await tx`insert into status_history ${tx(statusHistoryRow(entry), STATUS_HISTORY_COLUMNS)}`;
      });
      this.#remember([entry.chargePointId]);
    });
  }

  async recordStatus(entry: StatusHistoryEntry, snapshot: ChargePointRecord): Promise<void> {
    checkSameStation(entry, snapshot);
    await this.#run(`record status of "${entry.chargePointId}"`, async () => {
      const sql = this.#sql;
      const row = chargePointRow(sql, snapshot);
      // One statement, hence one atomic commit and one round trip. The foreign key of the history row is
      // checked at the end of the statement, so it sees the station the CTE upserted.
      await sql`
        with snapshot as (
          insert into charge_points ${sql(row, CHARGE_POINT_COLUMNS)}
          on conflict (id) do update set ${sql(row, CHARGE_POINT_COLUMNS.slice(1))}
        )
        insert into status_history ${sql(statusHistoryRow(entry), STATUS_HISTORY_COLUMNS)}
      `;
      this.#remember([snapshot.id]);
    });
  }

  async listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    return await this.#run(`list status history of "${chargePointId}"`, async () => {
      const rows = await this.#sql<StatusHistoryRow[]>`
        select * from status_history where charge_point_id = ${chargePointId}
        order by received_at desc, seq desc
        limit ${limit}
      `;
      return rows.map(toStatusHistory);
    });
  }

  // --- id tags -------------------------------------------------------------------------------------------

  async getIdTag(idTag: string): Promise<IdTagRecord | null> {
    return await this.#run(`get idTag "${idTag}"`, async () => {
      const rows = await this.#sql<IdTagRow[]>`select * from id_tags where id_tag = ${idTag}`;
      return rows[0] ? toIdTag(rows[0]) : null;
    });
  }

  async putIdTag(record: IdTagRecord): Promise<void> {
    await this.#run(`save idTag "${record.idTag}"`, async () => {
      const sql = this.#sql;
      const row = {
        id_tag: record.idTag,
        status: record.status,
        expiry_date: record.expiryDate,
        parent_id_tag: record.parentIdTag,
      };
      await sql`
        insert into id_tags ${sql(row, ID_TAG_COLUMNS)}
        on conflict (id_tag) do update set ${sql(row, ID_TAG_COLUMNS.slice(1))}
      `;
    });
  }

  async deleteIdTag(idTag: string): Promise<boolean> {
    return await this.#run(`delete idTag "${idTag}"`, async () => {
      const result = await this.#sql`delete from id_tags where id_tag = ${idTag}`;
      return result.count > 0;
    });
  }

  async listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    return await this.#run("list idTags", async () => {
      const sql = this.#sql;
      const rows = await sql<IdTagRow[]>`
        select * from id_tags
        ${page.after !== undefined ? sql`where id_tag > ${page.after}` : sql``}
        order by id_tag
        limit ${page.limit}
      `;
      return rows.map(toIdTag);
    });
  }

  // --- transactions --------------------------------------------------------------------------------------

  async startTransaction(input: StartTransactionInput): Promise<StartTransactionOutcome> {
    const what = `start a transaction on "${input.chargePointId}" connector ${input.connectorId}`;
    return await this.#run(what, async () => {
      const outcome = await this.#sql.begin(async (tx): Promise<StartTransactionOutcome> => {
        await this.#ensureChargePoints(tx, [input.chargePointId], input.receivedAt);
        // Serialises starts on one connector (across nodes too), so "supersede the open ones" cannot miss a
        // concurrent start. Two-int lock space; the migration lock lives in the one-bigint space.
        await tx`select pg_advisory_xact_lock(hashtext(${input.chargePointId}), ${input.connectorId}::int)`;
        const row = {
          charge_point_id: input.chargePointId,
          connector_id: input.connectorId,
          id_tag: input.idTag,
          start_id_tag_status: input.idTagStatus,
          meter_start: input.meterStart,
          start_timestamp: input.timestamp,
          reservation_id: input.reservationId,
          created_at: input.receivedAt,
        };
        // The replay key is a unique constraint: a concurrent identical start waits here for the other to
        // commit, then inserts nothing and reads the committed row below.
        const inserted = await tx<TransactionRow[]>`
          insert into transactions ${tx(row, TRANSACTION_START_COLUMNS)}
          on conflict on constraint transactions_start_replay_key do nothing
          returning *
        `;
        const created = inserted[0];
        if (!created) {
          const existing = await tx<TransactionRow[]>`
            select * from transactions
            where charge_point_id = ${input.chargePointId} and connector_id = ${input.connectorId}
              and id_tag = ${input.idTag} and meter_start = ${input.meterStart}
              and start_timestamp = ${input.timestamp}
          `;
          if (!existing[0]) throw new Error(`Cannot find the replayed start for "${input.chargePointId}"`);
          return { transaction: toTransaction(existing[0]), replayed: true, superseded: [] };
        }
        const superseded = await tx<TransactionRow[]>`
          update transactions set status = 'superseded', superseded_by = ${created.transaction_id}
          where charge_point_id = ${input.chargePointId} and connector_id = ${input.connectorId}
            and status = 'active' and transaction_id <> ${created.transaction_id}
          returning *
        `;
        return {
          transaction: toTransaction(created),
          replayed: false,
          superseded: superseded.map(toTransaction).sort((a, b) => a.transactionId - b.transactionId),
        };
      });
      this.#remember([input.chargePointId]);
      return outcome;
    });
  }

  async stopTransaction(input: StopTransactionInput): Promise<StopTransactionOutcome> {
    const what = `stop transaction ${input.transactionId} of "${input.chargePointId}"`;
    return await this.#run(what, async () => {
      const outcome = await this.#sql.begin(async (tx): Promise<StopTransactionOutcome> => {
        const found = isTransactionId(input.transactionId)
          ? await tx<TransactionRow[]>`
            select * from transactions
            where transaction_id = ${input.transactionId} and charge_point_id = ${input.chargePointId}
            for update
          `
          : [];
        const current = found[0];
        if (!current) {
          await this.#ensureChargePoints(tx, [input.chargePointId], input.receivedAt);
          const row = {
            id: orphanStopId(input),
            charge_point_id: input.chargePointId,
            transaction_id: input.transactionId,
            id_tag: input.idTag,
            meter_stop: input.meterStop,
            timestamp: input.timestamp,
            reason: input.reason,
            transaction_data: jsonOrNull(tx, input.transactionData),
            received_at: input.receivedAt,
          };
          await tx`insert into orphan_stops ${tx(row, ORPHAN_STOP_COLUMNS)} on conflict do nothing`;
          return { outcome: "orphan", transaction: null };
        }
        if (current.status === "finished") {
          return { outcome: "replayed", transaction: toTransaction(current) };
        }
        const updated = await tx<TransactionRow[]>`
          update transactions set
            status = 'finished', meter_stop = ${input.meterStop}, stop_timestamp = ${input.timestamp},
            stop_reason = ${input.reason}, stop_id_tag = ${input.idTag},
            stop_id_tag_status = ${input.idTagStatus}, stopped_at = ${input.receivedAt}
          where transaction_id = ${current.transaction_id}
          returning *
        `;
        return { outcome: "stopped", transaction: toTransaction(updated[0]!) };
      });
      this.#remember([input.chargePointId]);
      return outcome;
    });
  }

  async getTransaction(transactionId: number): Promise<TransactionRecord | null> {
    if (!isTransactionId(transactionId)) return null;
    return await this.#run(`get transaction ${transactionId}`, async () => {
      const rows = await this.#sql<TransactionRow[]>`
        select * from transactions where transaction_id = ${transactionId}
      `;
      return rows[0] ? toTransaction(rows[0]) : null;
    });
  }

  async listTransactions(filter: TransactionFilter): Promise<TransactionRecord[]> {
    return await this.#run("list transactions", async () => {
      const sql = this.#sql;
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
    });
  }

  async findActiveTransactionByIdTag(idTag: string): Promise<TransactionRecord | null> {
    return await this.#run(`find an active transaction of idTag "${idTag}"`, async () => {
      const rows = await this.#sql<TransactionRow[]>`
        select * from transactions where id_tag = ${idTag} and status = 'active'
        order by transaction_id desc
        limit 1
      `;
      return rows[0] ? toTransaction(rows[0]) : null;
    });
  }

  async listOrphanStops(page: { limit: number; chargePointId?: string }): Promise<OrphanStopRecord[]> {
    return await this.#run("list orphan stops", async () => {
      const sql = this.#sql;
      const rows = await sql<OrphanStopRow[]>`
        select * from orphan_stops
        ${page.chargePointId !== undefined ? sql`where charge_point_id = ${page.chargePointId}` : sql``}
        order by received_at desc, seq desc
        limit ${page.limit}
      `;
      return rows.map(toOrphanStop);
    });
  }

  // --- meter values --------------------------------------------------------------------------------------

  async addMeterValues(rows: MeterValueRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const what = `add ${rows.length} meter values of "${rows[0]!.chargePointId}"`;
    return await this.#run(what, () => this.#meterGroup.submit(rows));
  }

  async listMeterValuesByTransaction(transactionId: number): Promise<MeterValueRow[]> {
    if (!isTransactionId(transactionId)) return [];
    return await this.#run(`list meter values of transaction ${transactionId}`, async () => {
      const rows = await this.#sql<MeterValueDbRow[]>`
        select * from meter_values where transaction_id = ${transactionId}
        order by timestamp, seq
      `;
      return rows.map(toMeterValue);
    });
  }

  async listMeterValuesByChargePoint(chargePointId: string, limit: number): Promise<MeterValueRow[]> {
    return await this.#run(`list meter values of "${chargePointId}"`, async () => {
      const rows = await this.#sql<MeterValueDbRow[]>`
        select * from meter_values where charge_point_id = ${chargePointId}
        order by timestamp desc, seq desc
        limit ${limit}
      `;
      return rows.map(toMeterValue);
    });
  }

  // --- command log ---------------------------------------------------------------------------------------

  async appendCommandLog(entry: CommandLogEntry): Promise<void> {
    await this.#run(`log command "${entry.action}" to "${entry.chargePointId}"`, async () => {
      const sql = this.#sql;
      const row = {
        id: entry.id,
        charge_point_id: entry.chargePointId,
        action: entry.action,
        payload: jsonOrNull(sql, entry.payload),
        requested_by: entry.requestedBy,
        requested_at: entry.requestedAt,
        outcome: entry.outcome,
        response: jsonOrNull(sql, entry.response),
        finished_at: entry.finishedAt,
      };
      // Appending the same entry twice (a retried write) keeps the first.
      await sql`insert into command_log ${sql(row, COMMAND_LOG_COLUMNS)} on conflict (id) do nothing`;
    });
  }

  async listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    return await this.#run(`list commands of "${chargePointId}"`, async () => {
      const rows = await this.#sql<CommandLogRow[]>`
        select * from command_log where charge_point_id = ${chargePointId}
        order by requested_at desc, seq desc
        limit ${limit}
      `;
      return rows.map(toCommandLog);
    });
  }

  // --- internals -----------------------------------------------------------------------------------------

  /**
   * Runs one store call: refuses after close, translates connection failures into StoreUnavailableError and
   * gives up after operationTimeoutMs (a socket to an unreachable host can hang far longer than that). A call
   * cut off by the deadline is reported as failed; if it commits later anyway, the replay keys make the
   * station's retry harmless.
   */
  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError(`Cannot ${what}: the store is closed`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new StoreUnavailableError(
            `Cannot ${what}: no answer from PostgreSQL in ${this.#operationTimeoutMs} ms`,
          ),
        );
      }, this.#operationTimeoutMs);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      if (isUnavailable(err)) {
        throw new StoreUnavailableError(`Cannot ${what}: PostgreSQL is unreachable (${describe(err)})`, {
          cause: err,
        });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stations may send data before their snapshot exists (the actor saves it at BootNotification): insert a
   * bare charge_points row rather than fail the foreign key. Call inside the transaction that writes the data.
   */
  async #ensureChargePoints(tx: TransactionSql, ids: string[], at: string, useCache = true): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !useCache || !this.#knownChargePoints.has(id)).sort();
    if (missing.length === 0) return;
    const rows = missing.map((id) => ({ id, created_at: at, updated_at: at }));
    await tx`insert into charge_points ${
      tx(rows, "id", "created_at", "updated_at")
    } on conflict (id) do nothing`;
  }

  /** Remembers ids whose charge_points row is committed (call only after the transaction committed). */
  #remember(ids: Iterable<string>): void {
    for (const id of ids) this.#knownChargePoints.add(id);
  }

  async #commitMeterValues(batch: MeterValueRow[][]): Promise<PromiseSettledResult<number>[]> {
    const total = batch.reduce((n, rows) => n + rows.length, 0);
    try {
      const counts = await this.#insertMeterValues(batch, true);
      this.#onGroupCommit?.({ kind: "meterValues", callers: batch.length, rows: total, ok: true });
      return counts.map((value) => ({ status: "fulfilled", value }));
    } catch (err) {
      this.#onGroupCommit?.({ kind: "meterValues", callers: batch.length, rows: total, ok: false });
      if (batch.length === 1 || isUnavailable(err)) throw err;
      // One caller's bad row (say a transactionId that does not exist) must not fail the others: retry each
      // caller in its own transaction, so each promise reports exactly what happened to its rows.
      return await Promise.allSettled(
        batch.map(async (rows) => (await this.#insertMeterValues([rows], false))[0]!),
      );
    }
  }

  /** One transaction for all callers' rows; returns how many rows of each caller were new. */
  async #insertMeterValues(batch: MeterValueRow[][], useCache: boolean): Promise<number[]> {
    const all = batch.flatMap((rows, caller) => rows.map((row) => ({ row, caller })));
    // The first row (in call order) with a natural key gets the credit when the key repeats in the batch.
    const owner = new Map<string, number>();
    for (const { row, caller } of all) {
      const key = meterKey(
        row.chargePointId,
        row.connectorId,
        row.timestamp,
        row.measurand,
        row.phase ?? "",
        row.location,
        row.value,
      );
      if (!owner.has(key)) owner.set(key, caller);
    }
    const counts = batch.map(() => 0);
    await this.#sql.begin(async (tx) => {
      await this.#ensureChargePoints(
        tx,
        all.map((x) => x.row.chargePointId),
        all[0]!.row.receivedAt,
        useCache,
      );
      for (let i = 0; i < all.length; i += MAX_ROWS_PER_STATEMENT) {
        const chunk = all.slice(i, i + MAX_ROWS_PER_STATEMENT).map((x) => x.row);
        // unnest over one array per column rather than `sql(rows, ...columns)`: the statement text is the
        // same for every batch size, so the hot path uses one prepared statement per connection instead of one
        // per row count, and there is no bind-parameter limit.
        const inserted = await tx<{
          charge_point_id: string;
          connector_id: number;
          timestamp: Date;
          measurand: string;
          phase: string;
          location: string;
          value: string;
        }[]>`
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
          returning charge_point_id, connector_id, timestamp, measurand, phase, location, value
        `;
        for (const r of inserted) {
          const key = meterKey(
            r.charge_point_id,
            r.connector_id,
            r.timestamp,
            r.measurand,
            r.phase,
            r.location,
            r.value,
          );
          const caller = owner.get(key);
          if (caller !== undefined) counts[caller]! += 1;
        }
      }
    });
    this.#remember(all.map((x) => x.row.chargePointId));
    return counts;
  }

  async #commitTouches(batch: { id: string; lastSeen: string }[]): Promise<PromiseSettledResult<void>[]> {
    const info = {
      kind: "touch" as const,
      callers: batch.length,
      rows: new Set(batch.map((b) => b.id)).size,
    };
    try {
      await this.#updateLastSeen(batch);
    } catch (err) {
      this.#onGroupCommit?.({ ...info, ok: false });
      if (batch.length === 1 || isUnavailable(err)) throw err;
      // As for meter values: one caller's bad input must not fail the others.
      return await Promise.allSettled(batch.map((b) => this.#updateLastSeen([b])));
    }
    this.#onGroupCommit?.({ ...info, ok: true });
    return batch.map(() => ({ status: "fulfilled", value: undefined }));
  }

  /** One statement for all callers; the statement alone is atomic, so no explicit transaction. */
  async #updateLastSeen(batch: { id: string; lastSeen: string }[]): Promise<void> {
    // One station touched twice in a window (not by one actor, which awaits): the later call wins.
    const latest = new Map<string, string>();
    for (const { id, lastSeen } of batch) latest.set(id, lastSeen);
    const ids = [...latest.keys()].sort();
    // unnest for the same reason as meter values: one statement text whatever the batch size.
    await this.#sql`
      update charge_points as c set last_seen = v.last_seen
      from unnest(${ids}::text[], ${ids.map((id) => latest.get(id)!)}::timestamptz[]) as v(id, last_seen)
      where c.id = v.id
    `;
  }
}

// --- errors ------------------------------------------------------------------------------------------------

/** Codes of socket and postgres.js connection failures. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (err instanceof Deno.errors.ConnectionRefused || err instanceof Deno.errors.ConnectionReset) return true;
  if (err instanceof Deno.errors.ConnectionAborted || err instanceof Deno.errors.BrokenPipe) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  // SQLSTATE class 08: connection exception.
  return UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

// --- rows --------------------------------------------------------------------------------------------------

const CHARGE_POINT_COLUMNS = [
  "id",
  "registration_status",
  "boot",
  "booted_at",
  "connectors",
  "last_seen",
  "firmware_status",
  "diagnostics_status",
  "configuration",
  "scheduled_availability",
  "local_list_version",
  "reservations",
  "created_at",
  "updated_at",
] as const;
const STATUS_HISTORY_COLUMNS = [
  "charge_point_id",
  "connector_id",
  "status",
  "error_code",
  "info",
  "vendor_id",
  "vendor_error_code",
  "timestamp",
  "received_at",
] as const;
const ID_TAG_COLUMNS = ["id_tag", "status", "expiry_date", "parent_id_tag"] as const;
const TRANSACTION_START_COLUMNS = [
  "charge_point_id",
  "connector_id",
  "id_tag",
  "start_id_tag_status",
  "meter_start",
  "start_timestamp",
  "reservation_id",
  "created_at",
] as const;
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
const COMMAND_LOG_COLUMNS = [
  "id",
  "charge_point_id",
  "action",
  "payload",
  "requested_by",
  "requested_at",
  "outcome",
  "response",
  "finished_at",
] as const;

interface ChargePointRow {
  id: string;
  registration_status: ChargePointRecord["registrationStatus"];
  boot: ChargePointRecord["boot"];
  booted_at: Date | null;
  connectors: ChargePointRecord["connectors"];
  last_seen: Date | null;
  firmware_status: string | null;
  diagnostics_status: string | null;
  configuration: ChargePointRecord["configuration"];
  scheduled_availability: ScheduledAvailability[] | null;
  local_list_version: number | null;
  reservations: Reservation[] | null;
  created_at: Date;
  updated_at: Date;
}

interface StatusHistoryRow {
  charge_point_id: string;
  connector_id: number;
  status: StatusHistoryEntry["status"];
  error_code: StatusHistoryEntry["errorCode"];
  info: string | null;
  vendor_id: string | null;
  vendor_error_code: string | null;
  timestamp: Date;
  received_at: Date;
}

interface IdTagRow {
  id_tag: string;
  status: IdTagRecord["status"];
  expiry_date: Date | null;
  parent_id_tag: string | null;
}

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

interface CommandLogRow {
  id: string;
  charge_point_id: string;
  action: string;
  payload: unknown;
  requested_by: string;
  requested_at: Date;
  outcome: CommandLogEntry["outcome"];
  response: unknown;
  finished_at: Date;
}

function iso(d: Date): string;
function iso(d: Date | null): string | null;
function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

function jsonOrNull(sql: Sql | TransactionSql, value: unknown) {
  return value === null || value === undefined ? null : sql.json(value as postgres.JSONValue);
}

function chargePointRow(sql: Sql | TransactionSql, record: ChargePointRecord) {
  return {
    id: record.id,
    registration_status: record.registrationStatus,
    boot: jsonOrNull(sql, record.boot),
    booted_at: record.bootedAt,
    connectors: sql.json(
      [...record.connectors].sort((a, b) => a.connectorId - b.connectorId) as unknown as postgres.JSONValue,
    ),
    last_seen: record.lastSeen,
    firmware_status: record.firmwareStatus,
    diagnostics_status: record.diagnosticsStatus,
    configuration: jsonOrNull(sql, record.configuration),
    scheduled_availability: jsonOrNull(sql, record.scheduledAvailability),
    local_list_version: record.localListVersion ?? null,
    reservations: jsonOrNull(sql, record.reservations),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function statusHistoryRow(entry: StatusHistoryEntry) {
  return {
    charge_point_id: entry.chargePointId,
    connector_id: entry.connectorId,
    status: entry.status,
    error_code: entry.errorCode,
    info: entry.info ?? null,
    vendor_id: entry.vendorId ?? null,
    vendor_error_code: entry.vendorErrorCode ?? null,
    timestamp: entry.timestamp,
    received_at: entry.receivedAt,
  };
}

function toChargePoint(r: ChargePointRow): ChargePointRecord {
  const record: ChargePointRecord = {
    id: r.id,
    registrationStatus: r.registration_status,
    boot: r.boot,
    bootedAt: iso(r.booted_at),
    connectors: r.connectors,
    lastSeen: iso(r.last_seen),
    firmwareStatus: r.firmware_status,
    diagnosticsStatus: r.diagnostics_status,
    configuration: r.configuration,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
  // Optional in the record: absent (not undefined) when there is none.
  if (r.scheduled_availability !== null) record.scheduledAvailability = r.scheduled_availability;
  if (r.local_list_version !== null) record.localListVersion = r.local_list_version;
  if (r.reservations !== null) record.reservations = r.reservations;
  return record;
}

function toStatusHistory(r: StatusHistoryRow): StatusHistoryEntry {
  const entry: StatusHistoryEntry = {
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    status: r.status,
    errorCode: r.error_code,
    timestamp: iso(r.timestamp),
    receivedAt: iso(r.received_at),
  };
  if (r.info !== null) entry.info = r.info;
  if (r.vendor_id !== null) entry.vendorId = r.vendor_id;
  if (r.vendor_error_code !== null) entry.vendorErrorCode = r.vendor_error_code;
  return entry;
}

function toIdTag(r: IdTagRow): IdTagRecord {
  return { idTag: r.id_tag, status: r.status, expiryDate: iso(r.expiry_date), parentIdTag: r.parent_id_tag };
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

function toCommandLog(r: CommandLogRow): CommandLogEntry {
  return {
    id: r.id,
    chargePointId: r.charge_point_id,
    action: r.action,
    payload: r.payload,
    requestedBy: r.requested_by,
    requestedAt: iso(r.requested_at),
    outcome: r.outcome,
    response: r.response,
    finishedAt: iso(r.finished_at),
  };
}

/** transaction_id is int4: anything else cannot name a stored transaction (and would fail the cast). */
function isTransactionId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= 2_147_483_647;
}

/** The orphan stop's stable key: chargePointId, transactionId, timestamp and meterStop. */
function orphanStopId(input: StopTransactionInput): string {
  return JSON.stringify([input.chargePointId, input.transactionId, input.timestamp, input.meterStop]);
}

function meterKey(
  chargePointId: string,
  connectorId: number,
  timestamp: string | Date,
  measurand: string,
  phase: string,
  location: string,
  value: string,
): string {
  const d = timestamp instanceof Date ? timestamp : new Date(timestamp);
  const time = Number.isNaN(d.getTime()) ? String(timestamp) : d.toISOString();
  return JSON.stringify([chargePointId, connectorId, time, measurand, phase, location, value]);
}
