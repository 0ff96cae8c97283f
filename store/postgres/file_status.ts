/** File transfer status history on PostgreSQL (migration 010): appended by the commit, newest first. */
import type { Sql } from "postgres";
import type { StationChanges } from "../../model/changes.ts";
import type { FileStatusEntry, FileTransferKind } from "../../model/file_status.ts";
import { iso, type Writer } from "./sql.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import { belowCursor, toHistoryPage } from "./history_page.ts";

const COLUMNS = ["charge_point_id", "kind", "status", "request_id", "received_at"] as const;

interface FileStatusRow {
  seq: string;
  charge_point_id: string;
  kind: string;
  status: string;
  request_id: number | null;
  received_at: Date;
}

export class PgFileStatus {
  constructor(private readonly sql: Sql) {}

  async listFileStatus(chargePointId: string, limit: number): Promise<FileStatusEntry[]> {
    return (await this.pageFileStatus(chargePointId, { limit })).items;
  }

  async pageFileStatus(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<FileStatusEntry>> {
    if (page.limit <= 0) return { items: [], next: null };
    const rows = await this.sql<FileStatusRow[]>`
      select seq, charge_point_id, kind, status, request_id, received_at from file_status_history
      where charge_point_id = ${chargePointId}
        ${belowCursor(this.sql, "received_at", page.before)}
      order by received_at desc, seq desc
      limit ${page.limit}
    `;
    return toHistoryPage(rows, page, (r) => r.received_at, (r) => ({
      chargePointId: r.charge_point_id,
      kind: r.kind as FileTransferKind,
      status: r.status,
      requestId: r.request_id,
      receivedAt: iso(r.received_at),
    }));
  }

  async write(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    const entries = members.flatMap((m) => m.fileStatus ?? []);
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      charge_point_id: e.chargePointId,
      kind: e.kind,
      status: e.status,
      request_id: e.requestId,
      received_at: e.receivedAt,
    }));
    await tx`insert into file_status_history ${tx(rows, COLUMNS)}`.execute();
  }
}
