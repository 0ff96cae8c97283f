/** The command log on PostgreSQL: appended by the commit, newest first by requestedAt. */
import type { Sql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import type { CommandLogEntry } from "../../model/command_log.ts";
import { iso, jsonOrNull, type Writer } from "./sql.ts";

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

export class PgCommandLog {
  constructor(private readonly sql: Sql) {}

  async listCommandLog(chargePointId: string, limit: number): Promise<CommandLogEntry[]> {
    const rows = await this.sql<CommandLogRow[]>`
      select * from command_log where charge_point_id = ${chargePointId}
      order by requested_at desc, seq desc
      limit ${limit}
    `;
    return rows.map(toCommandLog);
  }

  /** Appending the same entry twice (a retried write) keeps the first. */
  async write(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    const entries = members.flatMap((m) => m.commandLog ?? []);
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      id: e.id,
      charge_point_id: e.chargePointId,
      action: e.action,
      payload: jsonOrNull(tx, e.payload),
      requested_by: e.requestedBy,
      requested_at: e.requestedAt,
      outcome: e.outcome,
      response: jsonOrNull(tx, e.response),
      finished_at: e.finishedAt,
    }));
    await tx`insert into command_log ${tx(rows, COMMAND_LOG_COLUMNS)} on conflict (id) do nothing`.execute();
  }
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
