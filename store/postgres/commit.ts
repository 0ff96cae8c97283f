/**
 * Group commit on PostgreSQL: `commit` calls from many stations become ONE transaction of multi-row
 * statements on a connection reserved for it, pipelined (see `#transaction`). By default a call on an idle
 * store commits at once; while one group commit is in flight, a call waits up to `groupCommitBusyWindowMs` (1)
 * for company before it takes the second slot (`groupCommitMaxInFlight`, 2); what arrives while both are in
 * flight goes in the next one, sent as soon as one of them ends (`GroupCommit`'s "whileBusy"): no write waits
 * for more than the window or the commit ahead of it. Each caller is settled only with the outcome
 * of the transaction that holds ITS changes: nothing is reported stored that was not. Order per station comes
 * from the caller, whose actor awaits one commit before the next.
 *
 * Failures: a member whose guards fail (a replay key taken, a status changed, a connector with another active
 * transaction) gets a conflict and the batch is written again without it. When the database refuses the data
 * of a batch (a bad value, a foreign key), its members are written one by one, so one station never fails the
 * others; when it cannot be reached, every member fails with StoreUnavailableError. A lock held elsewhere (an
 * operator's or another node's transaction on a station's row) is waited for at most `lock_timeout`
 * (`groupCommitLockTimeoutMs`), then the batch is refused like bad data: only the locked member fails.
 */
import type { Sql } from "postgres";
import type { CommitResult, StationChanges } from "../../model/changes.ts";
import { type CommitObserver, GroupCommit } from "../group_commit.ts";
import { inRounds } from "../rounds.ts";
import type { PgChargePoints } from "./charge_points.ts";
import type { PgCommandLog } from "./command_log.ts";
import type { PgFileStatus } from "./file_status.ts";
import type { PgMeterValues } from "./meter_values.ts";
import type { PgDeviceModel } from "./device_model.ts";
import type { IdleConnectors } from "./idle_connectors.ts";
import { writeTransactionFlags } from "./fleet_records.ts";
import { CallReservations } from "./call_reservations.ts";
import { allStatements } from "./failed_statement.ts";
import { bounded, isUnavailable, type Writer } from "./sql.ts";
import type { PgTransactions, Written } from "./transactions.ts";
import type { RecalledTransactions } from "./recalled_transactions.ts";
import {
  CURRENT_IDLE_SETTING,
  IDLE_IN_TRANSACTION_MS,
  IDLE_IN_TRANSACTION_SETTING,
} from "../../postgres_transaction_bounds.ts";

export interface PgCommitOptions {
  /**
   * How long the first write of a group waits for company, in ms (0 still groups same-tick calls); default
   * "whileBusy": not at all while fewer than `groupCommitMaxInFlight` group commits are in flight.
   */
  groupCommitMs?: number | "whileBusy";
  /**
   * With "whileBusy": group commits in flight at once (default 2). A fixed window would add its length to
   * every answer that writes, on an idle server too.
   */
  groupCommitMaxInFlight?: number;
  /**
   * With "whileBusy": how long a write waits for company while a group commit is in flight, in ms (default
   * ${DEFAULT_BUSY_WINDOW_MS}; 0: not at all). An idle store still commits at once.
   */
  groupCommitBusyWindowMs?: number;
  /**
   * How long a group commit waits for a row or advisory lock another transaction holds, in ms (default
   * ${DEFAULT_LOCK_TIMEOUT_MS}); past it the batch is written again one member at a time.
   */
  groupCommitLockTimeoutMs?: number;
  /** A group is written at once when it reaches this many callers (default 500). */
  groupCommitMaxCallers?: number;
  /** Called after each group commit (one call per kind of write in it), for metrics and tests. */
  onGroupCommit?: (info: GroupCommitInfo) => void;
  /** Told about each group commit's size and duration (metrics). */
  commitObserver?: CommitObserver;
}

export interface GroupCommitInfo {
  kind:
    | "meterValues"
    | "touch"
    | "snapshot"
    | "statusHistory"
    | "transactions"
    | "orphanStops"
    | "commandLog"
    | "fileStatus"
    | "deviceModel";
  /** How many store calls this one transaction served with this kind of write. */
  callers: number;
  /** How many rows were sent (meter values, history, ...) or station ids touched. */
  rows: number;
  ok: boolean;
}

type Settled = PromiseSettledResult<CommitResult>;

/** What a transaction wrote: new meter values per member, stations whose stale snapshot was skipped. */
interface Rows {
  counts: number[];
  replaced: Set<string>;
  /** Protocol errors clear epochs after the write (`SnapshotsWritten.epochs`). */
  epochs: Map<string, number>;
}

/** See `groupCommitBusyWindowMs`. */
export const DEFAULT_BUSY_WINDOW_MS = 1;

/** See `groupCommitLockTimeoutMs`: well within the bound, far above a group commit's usual length. */
export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;

/** See `postgres_transaction_bounds.ts`: a frozen node's group commit holds no row lock past it. */
export { IDLE_IN_TRANSACTION_MS };

/**
 * The transaction's `lock_timeout` and `IDLE_IN_TRANSACTION_MS`, in one statement (one per group commit, as the
 * `set local lock_timeout` before it); the session's own idle setting stands when it is stricter (not 0).
 */
function transactionBounds(lockTimeoutMs: number): string {
  return `
    select set_config('lock_timeout', '${lockTimeoutMs}ms', true), ${IDLE_IN_TRANSACTION_SETTING}
    from ${CURRENT_IDLE_SETTING}`;
}

/** Members (indexes) whose guards failed: the transaction is rolled back and written again without them. */
class Conflicts extends Error {
  constructor(readonly members: Map<number, string>) {
    super(`${members.size} conflicting members`);
  }
}

export interface PgParts {
  chargePoints: PgChargePoints;
  transactions: PgTransactions;
  meterValues: PgMeterValues;
  commandLog: PgCommandLog;
  fileStatus: PgFileStatus;
  deviceModel: PgDeviceModel;
  idleConnectors: IdleConnectors;
  recalledTransactions: RecalledTransactions;
}

export class PgCommitter {
  readonly #group: GroupCommit<StationChanges, CommitResult>;
  /** The statement setting the transaction's lock and idle bounds (`transactionBounds`). */
  readonly #bounds: string;

  constructor(
    private readonly sql: Sql,
    private readonly parts: PgParts,
    private readonly options: PgCommitOptions = {},
    /** A group commit with no answer within this fails its members with StoreUnavailableError. */
    timeoutMs = 10_000,
  ) {
    this.#bounds = transactionBounds(
      Math.max(1, Math.round(options.groupCommitLockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS)),
    );
    this.#group = new GroupCommit(
      options.groupCommitMs ?? "whileBusy",
      options.groupCommitMaxCallers ?? 500,
      // One deadline per group commit, not one timer per station's write.
      (batch) => {
        const what = `write the changes of ${batch.length} station(s)`;
        // A batch cut off by the bound gives its connection back at once (`call_reservations.ts`).
        const reservations = new CallReservations(this.sql, what);
        return bounded(
          what,
          timeoutMs,
          () => inRounds(batch, (members) => this.#commitRound(reservations, members, true)),
          () => reservations.giveUp(),
        );
      },
      options.commitObserver,
      options.groupCommitMaxInFlight ?? 2,
      options.groupCommitBusyWindowMs ?? DEFAULT_BUSY_WINDOW_MS,
    );
  }

  submit(changes: StationChanges): Promise<CommitResult> {
    return this.#group.submit(changes);
  }

  drain(): Promise<void> {
    return this.#group.drain();
  }

  /** Members of distinct stations in one transaction, written again without the ones that conflict. */
  async #commitRound(
    reservations: CallReservations,
    members: StationChanges[],
    useCache: boolean,
  ): Promise<Settled[]> {
    const results: Settled[] = new Array(members.length);
    let live = members.map((_, i) => i);
    while (live.length > 0) {
      const group = live.map((i) => members[i]!);
      try {
        const { counts, replaced, epochs } = await this.#transaction(reservations, group, useCache);
        this.#report(group, true);
        this.parts.chargePoints.remember(group);
        this.parts.idleConnectors.committed(group);
        live.forEach((i, k) => {
          const id = members[i]!.chargePointId;
          const stale = replaced.has(id) ? { replaced: true as const } : {};
          const epoch = epochs.get(id);
          const rebased = epoch === undefined ? {} : { protocolErrorsEpoch: epoch };
          results[i] = fulfilled({ ok: true, meterValuesAdded: counts[k]!, ...stale, ...rebased });
        });
        return results;
      } catch (error) {
        if (error instanceof Conflicts) {
          const conflicting = new Set<number>();
          for (const [k, why] of error.members) {
            const i = live[k]!;
            conflicting.add(i);
            results[i] = fulfilled({ ok: false, conflict: why });
            // Decided from what this store recalled, maybe: decided again from reads.
            this.parts.idleConnectors.forget([members[i]!]);
            this.parts.recalledTransactions.forget([members[i]!]);
          }
          live = live.filter((i) => !conflicting.has(i));
          continue;
        }
        this.#report(group, false);
        this.parts.idleConnectors.forget(group);
        this.parts.recalledTransactions.forget(group);
        if (live.length === 1 || isUnavailable(error)) {
          for (const i of live) results[i] = { status: "rejected", reason: error };
          return results;
        }
        // One station's bad data must not fail the others: each alone, each settled with its own outcome.
        for (const i of live) results[i] = (await this.#commitRound(reservations, [members[i]!], false))[0]!;
        return results;
      }
    }
    return results;
  }

  /**
   * One transaction on a connection reserved for it, its statements pipelined: sent together, answered in
   * order, so a batch costs one round trip per step instead of one per statement. Without starts or transaction
   * updates nothing can conflict: BEGIN with every statement, then COMMIT (2 round trips). With them: BEGIN, the
   * starts (their advisory locks, then their guarded insert) with the updates and every other statement behind
   * them, COMMIT only when no start or update found a conflict (2 round trips; 3 when an update supersedes a
   * transaction by a start of the same batch: it waits for the starts' answer). One more when BEGIN must be
   * answered first (`pipelinesBegin`), and when meter values met stored ones (`meter_values.ts`). COMMIT
   * waits for every statement's answer: postgres.js may fail a statement without sending it (a value it cannot
   * serialize), and then the transaction must end in a rollback. Returns how many meter values of each member
   * were new.
   */
  async #transaction(
    reservations: CallReservations,
    members: StationChanges[],
    useCache: boolean,
  ): Promise<Rows> {
    const { chargePoints, transactions, recalledTransactions: recalled } = this.parts;
    const conn = await reservations.reserve();
    const c = conn.sql;
    let open = true;
    try {
      // BEGIN goes out with the statements (one round trip fewer per group commit) when every statement of the
      // batch takes only text and numbers (`pipelinesBegin`): postgres.js may fail a statement without sending
      // it (a value its serializer refuses), and a connection with a query in flight does not recover from
      // that, so a batch with rows postgres.js serializes itself (command log, orphan stops, ...) waits for it.
      // A row locked elsewhere (an operator's or another node's transaction that does not end) is waited for
      // only so long: the batch would hold every member, and the rows it updated before, until the bound.
      // Then the members are written one by one, and only the locked one fails.
      // A frozen node's open transaction is ended by PostgreSQL, its row locks with it (`IDLE_IN_TRANSACTION_MS`).
      const begun = Promise.all([
        c`begin`.execute(),
        c.unsafe(this.#bounds).execute(),
      ]);
      if (!pipelinesBegin(members)) await begun;
      const guarded = members.some((m) => m.transactionsStarted?.length || m.transactionUpdates?.length);
      if (!guarded) {
        const [, counts] = await allStatements([begun, this.#writeRows(c, members, useCache)]);
        return await this.#commit(c, counts, () => (open = false));
      }
      const ensured = chargePoints.ensureRows(c, members, useCache);
      const starts = transactions.writeStarts(c, members);
      const versionOf = (id: number) => recalled.versionOf(id);
      let updates: Promise<Written> | undefined;
      let written: Promise<Rows> | undefined;
      if (!supersedesAStart(members)) {
        // Sent right behind the starts (each statement still runs after the one before it): a start that was
        // skipped rolls everything back below, and nothing here points at a row a start may not have written.
        updates = transactions.writeUpdates(c, members, versionOf);
        written = this.#writeRows(c, members, null);
      }
      const [, , started] = await allStatements([begun, ensured, starts, updates, written]);
      const startConflicts = started.conflicts;
      if (startConflicts.size > 0) {
        throw new Conflicts(
          new Map([...startConflicts].map((k) => [
            k,
            "a start's replay key is stored, or its connector has another active transaction",
          ])),
        );
      }
      updates ??= transactions.writeUpdates(c, members, versionOf);
      written ??= this.#writeRows(c, members, null);
      const [updated, counts] = await allStatements([updates, written]);
      const updateConflicts = updated.conflicts;
      if (updateConflicts.size > 0) {
        throw new Conflicts(
          new Map([...updateConflicts].map((k) => [k, "a transaction is no longer in its expected status"])),
        );
      }
      const committed = await this.#commit(c, counts, () => (open = false));
      recalled.committed(members, started.version ?? updated.version);
      return committed;
    } catch (error) {
      // A broken connection took its transaction with it: no ROLLBACK on it, no release (`reserved_connection.ts`).
      conn.failed(error);
      if (open) await conn.unlessLost(() => c`rollback`).catch(() => {});
      throw error;
    } finally {
      reservations.release(conn);
    }
  }

  /** COMMIT, sent only once every statement has answered: a statement may also fail in postgres.js, unsent. */
  async #commit(c: Writer, counts: Rows, ended: () => void): Promise<Rows> {
    const end = await c`commit`;
    ended();
    if (end.command !== "COMMIT") throw new Error(`The group commit ended with ${end.command}, not COMMIT`);
    return counts;
  }

  /**
   * Every statement but the starts and the transaction updates, all sent before the first answer is awaited
   * (the caller may send COMMIT right behind them); bare station rows first unless `useCache` is null (sent
   * already). Returns how many meter values of each member were new, and the stations whose snapshot a
   * newer connection wrote (this one's skipped).
   */
  async #writeRows(c: Writer, members: StationChanges[], useCache: boolean | null): Promise<Rows> {
    const { chargePoints, transactions, meterValues, commandLog, fileStatus, deviceModel } = this.parts;
    const [, counts, , , , , , , { replaced, epochs }] = await allStatements([
      useCache === null ? undefined : chargePoints.ensureRows(c, members, useCache),
      meterValues.write(c, members),
      transactions.writeOrphans(c, members),
      chargePoints.writeStatusHistory(c, members),
      commandLog.write(c, members),
      fileStatus.write(c, members),
      deviceModel.write(c, members),
      writeTransactionFlags(c, members),
      chargePoints.writeSnapshots(c, members),
      chargePoints.writeTouches(c, members),
    ]);
    return { counts, replaced, epochs };
  }

  #report(members: StationChanges[], ok: boolean): void {
    const report = this.options.onGroupCommit;
    if (!report) return;
    const kinds: [GroupCommitInfo["kind"], (m: StationChanges) => number][] = [
      ["meterValues", (m) => m.meterValues?.length ?? 0],
      ["touch", (m) => m.lastSeen !== undefined && !m.snapshot ? 1 : 0],
      ["snapshot", (m) => m.snapshot ? 1 : 0],
      ["statusHistory", (m) => m.statusHistory?.length ?? 0],
      ["transactions", (m) => (m.transactionsStarted?.length ?? 0) + (m.transactionUpdates?.length ?? 0)],
      ["orphanStops", (m) => m.orphanStops?.length ?? 0],
      ["commandLog", (m) => m.commandLog?.length ?? 0],
      ["fileStatus", (m) => m.fileStatus?.length ?? 0],
      ["deviceModel", (m) => (m.deviceModel?.length ?? 0) + (m.deviceModelValues?.length ?? 0)],
    ];
    for (const [kind, rowsOf] of kinds) {
      const served = members.filter((m) => rowsOf(m) > 0);
      if (served.length === 0) continue;
      const rows = kind === "touch"
        ? new Set(served.map((m) => m.chargePointId)).size
        : served.reduce((n, m) => n + rowsOf(m), 0);
      report({ kind, callers: served.length, rows, ok });
    }
  }
}

/**
 * Whether BEGIN may be sent with the batch's statements: true when the batch holds only the writes whose
 * statements take text (JSON rows, `json_param.ts`), numbers and arrays of them, which postgres.js cannot fail
 * to serialize. The command log, orphan stops, file status, device model rows (and values told) and
 * transaction flags go through postgres.js's own row and JSON serializers.
 */
export function pipelinesBegin(members: readonly StationChanges[]): boolean {
  return members.every((m) =>
    !m.commandLog?.length && !m.orphanStops?.length && !m.fileStatus?.length && !m.deviceModel?.length &&
    !m.deviceModelValues?.length && !m.transactionFlags?.length &&
    !m.transactionFlagsCleared?.length
  );
}

/**
 * Whether an update of the batch supersedes a transaction by one of the batch's starts: its `superseded_by`
 * must wait for the start's answer, since a skipped start leaves it pointing at no row (a foreign-key error,
 * where the member's answer is a conflict).
 */
function supersedesAStart(members: readonly StationChanges[]): boolean {
  const started = new Set(members.flatMap((m) => (m.transactionsStarted ?? []).map((t) => t.transactionId)));
  return started.size > 0 &&
    members.some((m) =>
      (m.transactionUpdates ?? []).some((u) =>
        u.transaction.supersededBy !== null && started.has(u.transaction.supersededBy)
      )
    );
}

function fulfilled(value: CommitResult): Settled {
  return { status: "fulfilled", value };
}
