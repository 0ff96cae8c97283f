/**
 * The small fleet stores on PostgreSQL: transaction flags (`transaction_flag`), the shared settings
 * (`fleet_settings`, one row) and named leases (`fleet_lease`), migration 008.
 */
import type { Sql } from "postgres";
import {
  DEFAULT_FLEET_SETTINGS,
  type FleetSettings,
  type FleetSettingsStore,
  type LeaseStore,
  type TransactionFlag,
  type TransactionFlagKind,
  type TransactionFlagStore,
  withDefaultSettings,
} from "../fleet.ts";
import type { StationChanges } from "../../model/changes.ts";
import { changeLocked, iso } from "./pg_helpers.ts";
import type { Writer } from "./sql.ts";

interface FlagRow {
  transaction_id: number;
  kind: TransactionFlagKind;
  charge_point_id: string;
  connector_id: number;
  at: Date;
  details: Record<string, unknown>;
}

function toFlag(r: FlagRow): TransactionFlag {
  return {
    transactionId: r.transaction_id,
    kind: r.kind,
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    at: iso(r.at),
    details: r.details,
  };
}

/**
 * A commit's flags (an operator's close writes its flag with the stop): one per transaction and kind, a newer
 * one replacing it (the last of the batch, in the members' order); those cleared first. Both statements are
 * sent before either answer is awaited (the caller may send COMMIT right behind them).
 */
export async function writeTransactionFlags(tx: Writer, members: readonly StationChanges[]): Promise<void> {
  const cleared = members.flatMap((m) => m.transactionFlagsCleared ?? []);
  const newest = new Map<string, TransactionFlag>();
  for (const f of members.flatMap((m) => m.transactionFlags ?? [])) {
    newest.set(`${f.transactionId} ${f.kind}`, f);
  }
  await Promise.all([
    cleared.length === 0 ? undefined : tx`
      delete from transaction_flag f
      using unnest(${cleared.map((c) => c.transactionId)}::integer[], ${cleared.map((c) => c.kind)}::text[])
        as c(transaction_id, kind)
      where f.transaction_id = c.transaction_id and f.kind = c.kind`.execute(),
    newest.size === 0 ? undefined : upsertFlags(tx, [...newest.values()]),
  ]);
}

/** One statement (an `on conflict do update` may meet each key once: `flags` holds one a key). */
function upsertFlags(tx: Writer, flags: TransactionFlag[]) {
  const rows = flags.map((f) => ({
    transaction_id: f.transactionId,
    kind: f.kind,
    charge_point_id: f.chargePointId,
    connector_id: f.connectorId,
    at: f.at,
    details: tx.json(f.details as never),
  }));
  return tx`
    insert into transaction_flag ${tx(rows, FLAG_COLUMNS)} on conflict (transaction_id, kind) do update
      set charge_point_id = excluded.charge_point_id, connector_id = excluded.connector_id, at = excluded.at,
        details = excluded.details`.execute();
}

const FLAG_COLUMNS = ["transaction_id", "kind", "charge_point_id", "connector_id", "at", "details"] as const;

export class PostgresTransactionFlagStore implements TransactionFlagStore {
  constructor(private readonly sql: Sql) {}

  async addFlag(f: TransactionFlag): Promise<boolean> {
    const rows = await this.sql`
      insert into transaction_flag (transaction_id, kind, charge_point_id, connector_id, at, details)
      values (${f.transactionId}, ${f.kind}, ${f.chargePointId}, ${f.connectorId}, ${f.at},
        ${this.sql.json(f.details as never)})
      on conflict do nothing returning transaction_id`;
    return rows.length > 0;
  }

  async listFlags(
    query: { kind?: TransactionFlagKind; transactionId?: number; limit: number },
  ): Promise<TransactionFlag[]> {
    const sql = this.sql;
    const rows = await sql<FlagRow[]>`
      select * from transaction_flag where true
        ${query.kind !== undefined ? sql`and kind = ${query.kind}` : sql``}
        ${query.transactionId !== undefined ? sql`and transaction_id = ${query.transactionId}` : sql``}
      order by transaction_id desc, kind limit ${query.limit}`;
    return rows.map(toFlag);
  }

  async listActiveFlags(
    query: { kind: TransactionFlagKind; chargePointId?: string; limit: number; running?: readonly number[] },
  ): Promise<TransactionFlag[]> {
    const sql = this.sql;
    // From the open transactions (one narrow row each, migration 016) to their flag by its key.
    const rows = await sql<FlagRow[]>`
      select f.* from open_transactions o
        join transaction_flag f on f.transaction_id = o.transaction_id and f.kind = ${query.kind}
      where true
        ${query.chargePointId !== undefined ? sql`and o.charge_point_id = ${query.chargePointId}` : sql``}
        ${
      query.running !== undefined ? sql`and o.transaction_id = any(${[...query.running]}::integer[])` : sql``
    }
      order by f.transaction_id desc limit ${query.limit}`;
    return rows.map(toFlag);
  }
}

export class PostgresFleetSettingsStore implements FleetSettingsStore {
  constructor(private readonly sql: Sql) {}

  async getSettings(): Promise<FleetSettings> {
    const rows = await this.sql<{ settings: FleetSettings }[]>`select settings from fleet_settings`;
    return rows[0] ? withDefaultSettings(rows[0].settings) : structuredClone(DEFAULT_FLEET_SETTINGS);
  }

  async putSettings(settings: FleetSettings): Promise<void> {
    await this.sql`
      insert into fleet_settings (settings) values (${this.sql.json(settings as never)})
      on conflict (id) do update set settings = excluded.settings`;
  }

  async changeSettings(change: (current: FleetSettings) => FleetSettings): Promise<FleetSettings> {
    const { after } = await changeLocked<FleetSettings>(this.sql, "fleet_settings", {
      read: async (tx) =>
        (await tx<{ settings: FleetSettings }[]>`select settings from fleet_settings`)[0]?.settings ?? null,
      write: async (tx, settings) =>
        void await tx`
        insert into fleet_settings (settings) values (${tx.json(settings as never)})
        on conflict (id) do update set settings = excluded.settings`,
      remove: async (tx) => void await tx`delete from fleet_settings`,
    }, (stored) => change(stored ? withDefaultSettings(stored) : structuredClone(DEFAULT_FLEET_SETTINGS)));
    return after as FleetSettings; // `change` always answers settings
  }
}

export class PostgresLeaseStore implements LeaseStore {
  constructor(private readonly sql: Sql) {}

  async acquireLease(name: string, holder: string, now: string, until: string): Promise<boolean> {
    const rows = await this.sql`
      insert into fleet_lease (name, holder, until) values (${name}, ${holder}, ${until})
      on conflict (name) do update set holder = excluded.holder, until = excluded.until
        where fleet_lease.holder = excluded.holder or fleet_lease.until <= ${now}
      returning name`;
    return rows.length > 0;
  }

  async renewLease(name: string, holder: string, until: string): Promise<boolean> {
    const rows = await this.sql`
      update fleet_lease set until = ${until} where name = ${name} and holder = ${holder} returning name`;
    return rows.length > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.sql`delete from fleet_lease where name = ${name} and holder = ${holder}`;
  }
}
