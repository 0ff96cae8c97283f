/**
 * The command log on PostgreSQL: written by the commit, newest first by requestedAt. An entry whose id has a
 * row settles it in place when it knows more (`outcomeRank`, the same rule as KV's; the
 * CASE below spells it), else changes nothing.
 */
import type { Sql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import {
  type CommandLogEntry,
  type LateAnswer,
  NODE_LOST_RESPONSE,
  settleCommandRow,
} from "../../model/command_log.ts";
import { iso, jsonOrNull, type Writer } from "./sql.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import { belowCursor, toHistoryPage } from "./history_page.ts";
import type { DatabaseClock } from "./database_clock.ts";

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
  "node_id",
  "late_answer",
] as const;

interface CommandLogRow {
  id: string;
  charge_point_id: string;
  action: string;
  payload: unknown;
  requested_by: string;
  requested_at: Date;
  outcome: CommandLogEntry["outcome"];
  response: unknown;
  finished_at: Date | null;
  node_id: string | null;
  late_answer: LateAnswer | null;
}

export class PgCommandLog {
  /** `clock`: a row's times go on PostgreSQL's clock (nodes with skewed clocks list one station's commands in order). */
  constructor(private readonly sql: Sql, private readonly clock: DatabaseClock) {}

  async listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    const rows = await this.sql<CommandLogRow[]>`
      select * from command_log where charge_point_id = ${chargePointId}
      order by requested_at desc, seq desc
      limit ${limit}
    `;
    return rows.map(toCommandLog);
  }

  /** See CommandLogStore: a range of `command_log_by_charge_point`; `since` on PostgreSQL's clock, as the rows. */
  async listCommandLogSince(
    chargePointId: string,
    action: string,
    since: string,
    limit: number,
  ): Promise<CommandLogEntry[]> {
    const rows = await this.sql<CommandLogRow[]>`
      select * from command_log
      where charge_point_id = ${chargePointId} and requested_at >= ${this.clock.toDatabase(since)}
        and action = ${action}
      order by requested_at desc, seq desc
      limit ${limit}
    `;
    return rows.map(toCommandLog);
  }

  async pageCommandLog(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<CommandLogEntry>> {
    if (page.limit <= 0) return { items: [], next: null };
    const rows = await this.sql<(CommandLogRow & { seq: string })[]>`
      select * from command_log where charge_point_id = ${chargePointId}
        ${belowCursor(this.sql, "requested_at", page.before)}
      order by requested_at desc, seq desc
      limit ${page.limit}
    `;
    return toHistoryPage(rows, page, (r) => r.requested_at, toCommandLog);
  }

  /**
   * New rows, or rows settled by id: the outcome, answer and finish time of an entry that knows more; the row
   * keeps its request and sender. Appending the same entry twice (a retried write) keeps the first.
   */
  async write(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    const byId = new Map<string, CommandLogEntry>();
    // One row per id in one statement (ON CONFLICT cannot touch a row twice): the entry that knows most.
    for (const e of members.flatMap((m) => m.commandLog ?? [])) {
      const kept = byId.get(e.id);
      byId.set(e.id, kept ? settleCommandRow(kept, e) ?? kept : e);
    }
    if (byId.size === 0) return;
    const rows = [...byId.values()].map((e) => ({
      id: e.id,
      charge_point_id: e.chargePointId,
      action: e.action,
      payload: jsonOrNull(tx, e.payload),
      requested_by: e.requestedBy,
      requested_at: this.clock.toDatabase(e.requestedAt),
      outcome: e.outcome,
      response: jsonOrNull(tx, e.response),
      finished_at: e.finishedAt === null ? null : this.clock.toDatabase(e.finishedAt),
      node_id: e.nodeId ?? null,
      late_answer: e.lateAnswer === undefined ? null : jsonOrNull(tx, e.lateAnswer),
    }));
    // settleCommandRow in SQL: the outcome, answer and finish time of an entry that knows more; a late answer
    // added to a row that ends `timeout` and has none.
    const knowsMore = tx`(case command_log.outcome when 'sending' then 0 when 'unknown' then 1 else 2 end)
        < (case excluded.outcome when 'sending' then 0 when 'unknown' then 1 else 2 end)`;
    await tx`
      insert into command_log ${tx(rows, COMMAND_LOG_COLUMNS)}
      on conflict (id) do update set
        outcome = case when ${knowsMore} then excluded.outcome else command_log.outcome end,
        response = case when ${knowsMore} then excluded.response else command_log.response end,
        finished_at = case when ${knowsMore} then excluded.finished_at else command_log.finished_at end,
        late_answer = case
          when command_log.late_answer is not null then command_log.late_answer
          when (case when ${knowsMore} then excluded.outcome else command_log.outcome end) = 'timeout'
            then excluded.late_answer
        end
      where ${knowsMore}
        or (command_log.late_answer is null and excluded.late_answer is not null
          and (case when ${knowsMore} then excluded.outcome else command_log.outcome end) = 'timeout')
    `.execute();
  }

  /**
   * See CommandLogStore: one statement, so a row two sweeps meet is settled by the first (row lock). The age is
   * the database's own (`written_at`, migration 055; a row from before it by its `requested_at`): neither the
   * sweeping node's clock nor the writer's.
   */
  async settleCommandsOfLostNodes(
    liveNodeIds: readonly string[],
    graceMs: number,
    at: string,
  ): Promise<number> {
    const settled = await this.sql`
      update command_log set outcome = 'unknown', response = ${this.sql.json(NODE_LOST_RESPONSE)},
        finished_at = ${this.clock.toDatabase(at)}
      where outcome = 'sending'
        and coalesce(written_at, requested_at) < now() - ${graceMs} * interval '1 millisecond'
        and node_id is not null and node_id <> all(${liveNodeIds as string[]}::text[])
    `;
    return settled.count;
  }
}

function toCommandLog(r: CommandLogRow): CommandLogEntry {
  const entry: CommandLogEntry = {
    id: r.id,
    chargePointId: r.charge_point_id,
    action: r.action,
    payload: r.payload,
    requestedBy: r.requested_by,
    requestedAt: iso(r.requested_at),
    outcome: r.outcome,
    response: r.response,
    finishedAt: r.finished_at === null ? null : iso(r.finished_at),
  };
  if (r.node_id !== null) entry.nodeId = r.node_id;
  if (r.late_answer !== null) entry.lateAnswer = r.late_answer;
  return entry;
}
