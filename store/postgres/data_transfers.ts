/**
 * The DataTransferStore on PostgreSQL (`data_transfer`, `data_transfer_rule`, migration 011; a rule's version,
 * 065). A change of a vendor's rules holds a transaction lock named after the vendor while it reads, decides
 * and writes: a row lock would not stop a rule added meanwhile.
 */
import type { Sql } from "postgres";
import type {
  DataTransferRecord,
  DataTransferRule,
  DataTransferRuleChange,
  DataTransferStatus,
  DataTransferStore,
} from "../fleet.ts";
import { iso } from "./pg_helpers.ts";
import { decideRuleChange } from "../data_transfer_rule_change.ts";

interface Row {
  id: string;
  charge_point_id: string;
  vendor_id: string;
  message_id: string | null;
  data: string | null;
  received_at: Date;
  status: DataTransferStatus;
  response_data: string | null;
}

interface RuleRow {
  vendor_id: string;
  message_id: string;
  status: DataTransferStatus;
  data: string | null;
  updated_by: string;
  updated_at: Date;
  version: string;
}

function toRecord(r: Row): DataTransferRecord {
  return {
    id: r.id,
    chargePointId: r.charge_point_id,
    vendorId: r.vendor_id,
    messageId: r.message_id,
    data: r.data,
    receivedAt: iso(r.received_at),
    status: r.status,
    responseData: r.response_data,
  };
}

function toRule(r: RuleRow): DataTransferRule {
  return {
    vendorId: r.vendor_id,
    messageId: r.message_id,
    status: r.status,
    data: r.data,
    updatedBy: r.updated_by,
    updatedAt: iso(r.updated_at),
    version: Number(r.version),
  };
}

export class PostgresDataTransferStore implements DataTransferStore {
  constructor(private readonly sql: Sql) {}

  async appendDataTransfer(r: DataTransferRecord): Promise<void> {
    await this.sql`
      insert into data_transfer (id, charge_point_id, vendor_id, message_id, data, received_at, status, response_data)
      values (${r.id}, ${r.chargePointId}, ${r.vendorId}, ${r.messageId}, ${r.data}, ${r.receivedAt}, ${r.status},
        ${r.responseData})
      on conflict (id) do nothing`;
  }

  async listDataTransfers(
    query: { chargePointId?: string; before?: string; limit: number },
  ): Promise<DataTransferRecord[]> {
    const sql = this.sql;
    const rows = await sql<Row[]>`
      select * from data_transfer where true
        ${query.chargePointId !== undefined ? sql`and charge_point_id = ${query.chargePointId}` : sql``}
        ${query.before !== undefined ? sql`and id < ${query.before}` : sql``}
      order by id desc limit ${query.limit}`;
    return rows.map(toRecord);
  }

  async pruneDataTransfers(before: string, max: number): Promise<number> {
    // An id begins with its receive time: the bound on the key ends the scan there once nothing is left to
    // prune (received_at alone has no index: every kept record was read).
    const rows = await this.sql`
      delete from data_transfer where id in (
        select id from data_transfer where received_at < ${before} and id < ${before} order by id limit ${max})
      returning id`;
    return rows.length;
  }

  async changeRule(
    vendorId: string,
    messageId: string,
    change: (vendorRules: readonly DataTransferRule[]) => DataTransferRuleChange,
  ): Promise<{ before: DataTransferRule | null; after: DataTransferRule | null }> {
    return await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${"data_transfer_rule:" + vendorId}, 0))`;
      const rows = await tx<RuleRow[]>`
        select * from data_transfer_rule where vendor_id = ${vendorId} order by message_id`;
      const decided = decideRuleChange(rows.map(toRule), messageId, change);
      const r = decided.after;
      if (r === null) {
        await tx`delete from data_transfer_rule where vendor_id = ${vendorId} and message_id = ${messageId}`;
      } else {
        await tx`
          insert into data_transfer_rule (vendor_id, message_id, status, data, updated_by, updated_at, version)
          values (${r.vendorId}, ${r.messageId}, ${r.status}, ${r.data}, ${r.updatedBy}, ${r.updatedAt}, ${r.version})
          on conflict (vendor_id, message_id) do update set status = excluded.status, data = excluded.data,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at, version = excluded.version`;
      }
      return decided;
    });
  }

  async getRule(vendorId: string, messageId: string): Promise<DataTransferRule | null> {
    const rows = await this.sql<RuleRow[]>`
      select * from data_transfer_rule where vendor_id = ${vendorId} and message_id = ${messageId}`;
    return rows[0] ? toRule(rows[0]) : null;
  }

  async listRules(): Promise<DataTransferRule[]> {
    return (await this.sql<RuleRow[]>`select * from data_transfer_rule order by vendor_id, message_id`).map(
      toRule,
    );
  }
}
