/**
 * Station snapshots and status history on PostgreSQL: reads, `putChargePoint`, and the commit's statements for
 * a batch of stations: bare rows for stations written about before their snapshot, snapshot patches, touches
 * and status history, each one multi-row statement for the whole batch.
 *
 * A snapshot patch is applied inside the UPDATE to the row being updated (every column the patch does not name
 * is assigned its own stored value), so a concurrent writer's fields are never overwritten with a stale copy:
 * PostgreSQL re-reads a row changed meanwhile before it applies the patch.
 */
import type { Sql, TransactionSql } from "postgres";
import { oneByKey } from "./batched_reads.ts";
import type {
  ChargePointRecord,
  EvseConnectorState,
  Reservation,
  ScheduledAvailability,
  SnapshotPatch,
} from "../../model/charge_point.ts";
import type { ChargingReports } from "../../model/charging_reports.ts";
import {
  type ProtocolErrors,
  type ProtocolErrorsClear,
  protocolErrorsClear,
} from "../../model/protocol_errors.ts";
import { withProtocolErrorsEpoch } from "../../model/protocol_errors_base.ts";
import { changesTime, type StationChanges } from "../../model/changes.ts";
import { withStoredWriter } from "../../model/newest_connection.ts";
import {
  statusEntryInUtcMs,
  type StatusHistoryEntry,
  UNTIMED_COPY_WINDOW_MS,
} from "../../model/status_history.ts";
import type { HistoryPage, HistoryPageRequest, PageRequest } from "../mod.ts";
import { belowCursor, toHistoryPage } from "./history_page.ts";
import { jsonParam } from "./json_param.ts";
import { iso, jsonOrNull, type Writer } from "./sql.ts";

export const CHARGE_POINT_COLUMNS = [
  "id",
  "registration_status",
  "registration_held",
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
  "ocpp_version",
  "evses",
  "charging_reports",
  "protocol_errors",
  "status_received_at",
  "decommissioned_at",
  "created_at",
  "updated_at",
] as const;

/** What lists read: not the large columns (see ChargePointStore.listChargePoints). */
const LISTED_COLUMNS = CHARGE_POINT_COLUMNS.filter((c) => c !== "configuration" && c !== "charging_reports");

/** Record field -> column, for patches. */
const COLUMN_OF: { readonly [K in keyof SnapshotPatch]-?: (typeof CHARGE_POINT_COLUMNS)[number] } = {
  registrationStatus: "registration_status",
  registrationHeld: "registration_held",
  boot: "boot",
  bootedAt: "booted_at",
  connectors: "connectors",
  lastSeen: "last_seen",
  firmwareStatus: "firmware_status",
  diagnosticsStatus: "diagnostics_status",
  configuration: "configuration",
  scheduledAvailability: "scheduled_availability",
  localListVersion: "local_list_version",
  reservations: "reservations",
  ocppVersion: "ocpp_version",
  evses: "evses",
  chargingReports: "charging_reports",
  protocolErrors: "protocol_errors",
  statusReceivedAt: "status_received_at",
  decommissionedAt: "decommissioned_at",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

interface ChargePointRow {
  id: string;
  registration_status: ChargePointRecord["registrationStatus"];
  registration_held: boolean | null;
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
  ocpp_version: string | null;
  evses: EvseConnectorState[] | null;
  charging_reports: ChargingReports | null;
  protocol_errors: ProtocolErrors | null;
  /** Migration 063. */
  status_received_at: Date | null;
  decommissioned_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** Migration 048; read by `getChargePoint(s)` (`select *`), not by lists. */
  written_by_connected_at?: string | null;
  written_by_node?: string | null;
  /** Migration 068; read by `getChargePoint(s)` (`select *`), not by lists. */
  protocol_errors_epoch?: number;
}

/** What a batch's snapshot writes did: stations whose stale snapshot was skipped, clear epochs after a write. */
export interface SnapshotsWritten {
  replaced: Set<string>;
  /** The record's protocol errors clear epoch, for the members whose changes carried `protocolErrorsBase`. */
  epochs: Map<string, number>;
}

interface StatusHistoryRow {
  charge_point_id: string;
  evse_id: number | null;
  connector_id: number;
  status: StatusHistoryEntry["status"];
  error_code: NonNullable<StatusHistoryEntry["errorCode"]> | null;
  info: string | null;
  vendor_id: string | null;
  vendor_error_code: string | null;
  timestamp: Date;
  received_at: Date;
  /** Migration 059: absent from rows read before it ran. */
  call_id?: string | null;
}

export class PgChargePoints {
  /** Station ids known to have a charge_points row (rows are never deleted), to skip the bare-row insert. */
  readonly #known = new Set<string>();

  constructor(private readonly sql: Sql) {}

  async getChargePoint(id: string): Promise<ChargePointRecord | null> {
    const rows = await this.sql<ChargePointRow[]>`select * from charge_points where id = ${id}`;
    return rows[0] ? withWriter(rows[0]) : null;
  }

  /**
   * `ChargePointStore.clearProtocolErrors`: the row locked, its errors read and cleared in one transaction, so a
   * clear through another node (or a group commit) waits for this one and then reads what it left. The clear
   * moves the clear epoch: the station's actor somewhere that counted from these errors keeps only newer ones.
   */
  async clearProtocolErrors(id: string, seenAt: string, at: string): Promise<ProtocolErrorsClear | null> {
    return await this.sql.begin(async (tx) => {
      const rows = await tx<Pick<ChargePointRow, "protocol_errors">[]>`
        select protocol_errors from charge_points where id = ${id} for update
      `;
      const row = rows[0];
      if (row === undefined) return null;
      const outcome = protocolErrorsClear(row.protocol_errors, seenAt);
      if ("cleared" in outcome) {
        await tx`
          update charge_points
          set protocol_errors = null, protocol_errors_epoch = protocol_errors_epoch + 1, updated_at = ${at}
          where id = ${id}
        `;
      }
      return outcome;
    });
  }

  /** The snapshots of `ids`, in their order (null where unknown): one statement for many stations. */
  async getChargePoints(ids: readonly string[]): Promise<(ChargePointRecord | null)[]> {
    const rows = await this.sql<ChargePointRow[]>`select * from charge_points where id = any(${ids}::text[])`;
    return oneByKey(rows, ids, (r) => r.id, withWriter);
  }

  async putChargePoint(record: ChargePointRecord): Promise<void> {
    const sql = this.sql;
    const row = chargePointRow(sql, record);
    await sql`
      insert into charge_points ${sql(row, CHARGE_POINT_COLUMNS)}
      on conflict (id) do update set ${sql(row, CHARGE_POINT_COLUMNS.slice(1))}
    `;
    this.#known.add(record.id);
  }

  async listChargePoints(page: PageRequest & { search?: string }): Promise<ChargePointRecord[]> {
    const sql = this.sql;
    const rows = await sql<ChargePointRow[]>`
      select ${sql(LISTED_COLUMNS)} from charge_points
      where true
        ${page.after !== undefined ? sql`and id > ${page.after}` : sql``}
        ${page.search ? sql`and strpos(lower(id), lower(${page.search})) > 0` : sql``}
      order by id
      limit ${page.limit}
    `;
    return rows.map(toChargePoint);
  }

  async listStatusHistory(chargePointId: string, limit: number): Promise<StatusHistoryEntry[]> {
    const rows = await this.sql<StatusHistoryRow[]>`
      select * from status_history where charge_point_id = ${chargePointId}
      order by received_at desc, seq desc
      limit ${limit}
    `;
    return rows.map(toStatusHistory);
  }

  async pageStatusHistory(
    chargePointId: string,
    page: HistoryPageRequest,
  ): Promise<HistoryPage<StatusHistoryEntry>> {
    if (page.limit <= 0) return { items: [], next: null };
    const rows = await this.sql<(StatusHistoryRow & { seq: string })[]>`
      select * from status_history where charge_point_id = ${chargePointId}
        ${belowCursor(this.sql, "received_at", page.before)}
      order by received_at desc, seq desc
      limit ${page.limit}
    `;
    return toHistoryPage(rows, page, (r) => r.received_at, toStatusHistory);
  }

  /**
   * Stations written about before their snapshot exists (data rows reference charge_points): a bare row, so
   * the foreign keys hold and the station is listed (meter groups have no key since migration 057: this row
   * alone lists a station that sent only meter values). A touch alone creates nothing; neither does a command
   * log entry (an operator may address a station that never connected).
   */
  async ensureRows(tx: Writer, members: readonly StationChanges[], useCache: boolean): Promise<void> {
    const missing = new Map<string, string>();
    for (const m of members) {
      const needsRow = m.snapshot !== undefined || !!m.statusHistory?.length ||
        !!m.transactionsStarted?.length ||
        !!m.orphanStops?.length || !!m.meterValues?.length;
      if (!needsRow || (useCache && this.#known.has(m.chargePointId))) continue;
      missing.set(m.chargePointId, changesTime(m) ?? new Date(0).toISOString());
    }
    if (missing.size === 0) return;
    const ids = [...missing.keys()].sort();
    const times = ids.map((id) => missing.get(id)!);
    await tx`
      insert into charge_points (id, created_at, updated_at)
      select id, at, at from unnest(${ids}::text[], ${times}::text[]::timestamptz[]) as v(id, at)
      on conflict (id) do nothing
    `.execute();
  }

  /** Remembers stations whose row is committed (call only after the commit). */
  remember(members: readonly StationChanges[]): void {
    for (const m of members) this.#known.add(m.chargePointId);
  }

  /**
   * Every snapshot patch of the batch in one statement (with its lastSeen, when the changes carry one). When
   * the batch has patches, the touches of the others go in the same statement as patches of lastSeen alone
   * (one statement fewer per group commit; `writeTouches` then writes nothing).
   */
  async writeSnapshots(tx: Writer, members: readonly StationChanges[]): Promise<SnapshotsWritten> {
    const replaced = new Set<string>();
    const epochs = new Map<string, number>();
    if (!members.some((m) => m.snapshot)) return { replaced, epochs };
    const patches = members.flatMap((m) => {
      if (!m.snapshot && m.lastSeen === undefined) return [];
      const patch: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(m.snapshot ?? {})) {
        const column = COLUMN_OF[field as keyof SnapshotPatch];
        if (column !== undefined && value !== undefined) patch[column] = value;
      }
      if (m.lastSeen !== undefined) patch.last_seen = m.lastSeen;
      const by = m.snapshot && m.connection;
      const base = m.snapshot?.protocolErrors !== undefined ? m.protocolErrorsBase : undefined;
      return [{
        id: m.chargePointId,
        patch,
        at: by ? by.connectedAt : null,
        node: by ? by.nodeId : null,
        ...(base ? { base_epoch: base.epoch, base_count: base.count } : {}),
      }];
    });
    // A column the patch does not name is assigned its own stored value (`c.x`, the row being updated: a
    // concurrent writer's value once PostgreSQL re-reads a row changed meanwhile), never a copy rebuilt from the
    // whole row: that would read every column of the row, large ones (a configuration) uncompressed, to write
    // them back.
    // Protocol errors an actor counted from a clear epoch that a clear moved since (another node's) lose the
    // ones counted before it (`protocolErrorsOnWrite` of model/protocol_errors_base.ts, in SQL); a clear (a
    // null) moves the epoch.
    const rows = await tx<{ id: string; epoch: number | null }[]>`
      update charge_points as c set
        registration_status = case when v.patch ? 'registration_status' then r.registration_status else c.registration_status end,
        registration_held = case when v.patch ? 'registration_held' then r.registration_held else c.registration_held end,
        boot = case when v.patch ? 'boot' then r.boot else c.boot end,
        booted_at = case when v.patch ? 'booted_at' then r.booted_at else c.booted_at end,
        connectors = case when v.patch ? 'connectors' then r.connectors else c.connectors end,
        last_seen = case when v.patch ? 'last_seen' then r.last_seen else c.last_seen end,
        firmware_status = case when v.patch ? 'firmware_status' then r.firmware_status else c.firmware_status end,
        diagnostics_status = case when v.patch ? 'diagnostics_status' then r.diagnostics_status else c.diagnostics_status end,
        configuration = case when v.patch ? 'configuration' then r.configuration else c.configuration end,
        scheduled_availability = case when v.patch ? 'scheduled_availability' then r.scheduled_availability else c.scheduled_availability end,
        local_list_version = case when v.patch ? 'local_list_version' then r.local_list_version else c.local_list_version end,
        reservations = case when v.patch ? 'reservations' then r.reservations else c.reservations end,
        ocpp_version = case when v.patch ? 'ocpp_version' then r.ocpp_version else c.ocpp_version end,
        evses = case when v.patch ? 'evses' then r.evses else c.evses end,
        charging_reports = case when v.patch ? 'charging_reports' then r.charging_reports else c.charging_reports end,
        protocol_errors = case
          when not v.patch ? 'protocol_errors' then c.protocol_errors
          when v.base_epoch is null or v.base_epoch = c.protocol_errors_epoch or r.protocol_errors is null
            then r.protocol_errors
          when (r.protocol_errors->>'count')::int > v.base_count
            then jsonb_set(r.protocol_errors, '{count}', to_jsonb((r.protocol_errors->>'count')::int - v.base_count))
          else null end,
        protocol_errors_epoch = case when v.patch ? 'protocol_errors' and r.protocol_errors is null
          then c.protocol_errors_epoch + 1 else c.protocol_errors_epoch end,
        status_received_at = case when v.patch ? 'status_received_at' then r.status_received_at else c.status_received_at end,
        decommissioned_at = case when v.patch ? 'decommissioned_at' then r.decommissioned_at else c.decommissioned_at end,
        created_at = case when v.patch ? 'created_at' then r.created_at else c.created_at end,
        updated_at = case when v.patch ? 'updated_at' then r.updated_at else c.updated_at end,
        written_by_connected_at = coalesce(v.at, c.written_by_connected_at),
        written_by_node = coalesce(v.node, c.written_by_node)
      from jsonb_to_recordset(${
      jsonParam(patches)
    }::text::jsonb) as v(id text, patch jsonb, at text, node text, base_epoch int, base_count int)
        cross join lateral jsonb_populate_record(null::charge_points, v.patch) as r
      where c.id = v.id
        -- A connection older than the one that wrote the row is stale (its node was frozen past its lease,
        -- say): its snapshot is not written (\`replaces()\` of model/newest_connection.ts, in SQL).
        and (v.at is null or c.written_by_connected_at is null or
          (v.at collate "C", v.node collate "C") >= (c.written_by_connected_at, c.written_by_node))
      returning c.id, case when v.base_epoch is not null then c.protocol_errors_epoch end as epoch
    `.execute();
    const written = new Set(rows.map((r) => r.id));
    for (const p of patches) if (p.at !== null && !written.has(p.id)) replaced.add(p.id);
    for (const r of rows) if (r.epoch !== null) epochs.set(r.id, r.epoch);
    return { replaced, epochs };
  }

  /**
   * lastSeen of the stations in one statement, when the batch has no snapshot patch (`writeSnapshots` writes
   * them otherwise); an unknown id is left alone.
   */
  async writeTouches(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    if (members.some((m) => m.snapshot)) return;
    const touched = members.filter((m) => m.lastSeen !== undefined);
    if (touched.length === 0) return;
    // unnest over one array per column: the statement text is the same for every batch size, so the hot path
    // uses one prepared statement per connection instead of one per row count.
    await tx`
      update charge_points as c set last_seen = v.last_seen
      from unnest(${touched.map((m) => m.chargePointId)}::text[], ${
      touched.map((m) => m.lastSeen!)
    }::text[]::timestamptz[]) as v(id, last_seen)
      where c.id = v.id
    `.execute();
  }

  /**
   * A copy of a report stored already is left out (`status_history_report`, migration 054); a report without
   * the station's time is named by its CALL, and left out when a row of the station holds its CALL id and
   * words, received within the window (`model/status_history.ts`, migration 059).
   */
  async writeStatusHistory(tx: Writer, members: readonly StationChanges[]): Promise<void> {
    // In milliseconds, as KV keeps them and readers see them: a microsecond apart is not another report.
    const entries = members.flatMap((m) => (m.statusHistory ?? []).map(statusEntryInUtcMs));
    if (entries.length === 0) return;
    await tx`
      insert into status_history (
        charge_point_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, timestamp,
        received_at, evse_id, call_id
      )
      select a, b, c, d, e, f, g, h, i, j, k from unnest(
        ${entries.map((e) => e.chargePointId)}::text[],
        ${entries.map((e) => e.connectorId)}::int[],
        ${entries.map((e) => e.status)}::text[],
        ${entries.map((e) => e.errorCode ?? null)}::text[],
        ${entries.map((e) => e.info ?? null)}::text[],
        ${entries.map((e) => e.vendorId ?? null)}::text[],
        ${entries.map((e) => e.vendorErrorCode ?? null)}::text[],
        ${entries.map((e) => e.timestamp)}::text[]::timestamptz[],
        ${entries.map((e) => e.receivedAt)}::text[]::timestamptz[],
        ${entries.map((e) => e.evseId ?? null)}::int[],
        ${entries.map((e) => e.callId ?? null)}::text[]
      ) with ordinality as v(a, b, c, d, e, f, g, h, i, j, k, n)
      where k is null or not exists (
        select 1 from status_history as first
        where first.charge_point_id = a and first.call_id = k
          and first.connector_id = b and coalesce(first.evse_id, -1) = coalesce(j, -1) and first.status = c
          and coalesce(first.error_code, '') = coalesce(d, '') and coalesce(first.info, '') = coalesce(e, '')
          and coalesce(first.vendor_id, '') = coalesce(f, '')
          and coalesce(first.vendor_error_code, '') = coalesce(g, '')
          and first.received_at <= i
          and first.received_at > i - ${UNTIMED_COPY_WINDOW_MS}::int * interval '1 millisecond'
      )
      order by n
      on conflict do nothing
    `.execute();
  }
}

function chargePointRow(sql: Sql | TransactionSql, record: ChargePointRecord) {
  return {
    id: record.id,
    registration_status: record.registrationStatus,
    registration_held: record.registrationHeld ?? null,
    boot: jsonOrNull(sql, record.boot),
    booted_at: record.bootedAt,
    connectors: sql.json(
      [...record.connectors].sort((a, b) => a.connectorId - b.connectorId) as unknown as Parameters<
        Sql["json"]
      >[0],
    ),
    last_seen: record.lastSeen,
    firmware_status: record.firmwareStatus,
    diagnostics_status: record.diagnosticsStatus,
    configuration: jsonOrNull(sql, record.configuration),
    scheduled_availability: jsonOrNull(sql, record.scheduledAvailability),
    local_list_version: record.localListVersion ?? null,
    reservations: jsonOrNull(sql, record.reservations),
    ocpp_version: record.ocppVersion ?? null,
    evses: jsonOrNull(sql, record.evses),
    charging_reports: jsonOrNull(sql, record.chargingReports),
    protocol_errors: jsonOrNull(sql, record.protocolErrors),
    status_received_at: record.statusReceivedAt ?? null,
    decommissioned_at: record.decommissionedAt ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** A station's record with the connection that last wrote it (`withStoredWriter`: a connecting actor's). */
function withWriter(r: ChargePointRow): ChargePointRecord {
  const at = r.written_by_connected_at;
  const record = withStoredWriter(
    toChargePoint(r),
    at ? { connectedAt: at, nodeId: r.written_by_node ?? "" } : null,
  );
  return withProtocolErrorsEpoch(record, r.protocol_errors_epoch ?? 0);
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
    configuration: r.configuration ?? null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
  // Optional in the record: absent (not undefined) when there is none.
  if (r.scheduled_availability !== null) record.scheduledAvailability = r.scheduled_availability;
  if (r.local_list_version !== null) record.localListVersion = r.local_list_version;
  if (r.reservations !== null) record.reservations = r.reservations;
  if (r.ocpp_version !== null) record.ocppVersion = r.ocpp_version;
  if (r.evses !== null) record.evses = r.evses;
  if (r.charging_reports != null) record.chargingReports = r.charging_reports;
  if (r.protocol_errors != null) record.protocolErrors = r.protocol_errors;
  if (r.status_received_at != null) record.statusReceivedAt = iso(r.status_received_at);
  if (r.decommissioned_at != null) record.decommissionedAt = iso(r.decommissioned_at);
  if (r.registration_held) record.registrationHeld = true;
  return record;
}

function toStatusHistory(r: StatusHistoryRow): StatusHistoryEntry {
  const entry: StatusHistoryEntry = {
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    status: r.status,
    timestamp: iso(r.timestamp),
    receivedAt: iso(r.received_at),
  };
  if (r.evse_id !== null) entry.evseId = r.evse_id;
  if (r.error_code !== null) entry.errorCode = r.error_code;
  if (r.info !== null) entry.info = r.info;
  if (r.vendor_id !== null) entry.vendorId = r.vendor_id;
  if (r.vendor_error_code !== null) entry.vendorErrorCode = r.vendor_error_code;
  if (r.call_id != null) entry.callId = r.call_id;
  return entry;
}
