/**
 * The EnergyStore on PostgreSQL (tables from migration 008), on its own small pool; opening applies pending
 * migrations under the same advisory lock as the Store's start-up.
 *
 * @example
 * ```ts ignore
 * const store = await openPostgresEnergyStore("postgres://postgres@127.0.0.1:5432/csms");
 * await store.listSites({ limit: 10 });
 * await store.close();
 * ```
 */
import type { Sql } from "postgres";
import {
  type ChargingProfileChanges,
  type ChargingProfileSource,
  type ChargingProfileState,
  type ChargingProfileSupport,
  noSupportFacts,
  type StoredChargingProfile,
  type UnansweredProfiles,
} from "../../model/charging_profile.ts";
import type { SiteRecord, SiteSample } from "../../model/site.ts";
import type { ChargingProfile } from "../../protocol/ocpp16/common.ts";
import type { ChargingProfilePurpose } from "../../protocol/ocpp16/enums.ts";
import {
  type ChargingProfileSupportChange,
  checkProfileChanges,
  DEFAULT_SAMPLE_RETENTION_MS,
  type EnergyStore,
  oneMoreUnansweredRun,
  SiteConflictError,
} from "../energy.ts";
import { BATCHED_READ_TIMEOUT_MS, BatchedRead, byKey, oneByKey } from "./batched_reads.ts";
import { boundedCalls } from "./bounded_calls.ts";
import { openMigratedPool } from "./migrate.ts";

export async function openPostgresEnergyStore(
  url: string,
  options: {
    maxConnections?: number;
    migrate?: boolean;
    sampleRetentionMs?: number;
    /** Bound on each call (default 10 s): a connection that stops answering fails it. */
    callTimeoutMs?: number;
  } = {},
): Promise<PostgresEnergyStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 3,
    applicationName: "ocpp-csms-energy",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return boundedCalls(
    new PostgresEnergyStore(sql, options.sampleRetentionMs),
    "energy",
    options.callTimeoutMs,
  );
}

interface SiteRow {
  site_id: string;
  name: string;
  max_current_a: number;
  station_max_current_a: number;
  updated_by: string;
  created_at: Date;
  updated_at: Date;
  charge_point_ids: string[];
}

function toSite(r: SiteRow): SiteRecord {
  return {
    siteId: r.site_id,
    name: r.name,
    maxCurrentA: r.max_current_a,
    chargePointIds: r.charge_point_ids,
    stationMaxCurrentA: r.station_max_current_a,
    updatedBy: r.updated_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

interface ProfileRow {
  charge_point_id: string;
  charging_profile_id: number;
  connector_id: number;
  stack_level: number;
  purpose: string;
  transaction_id: number | null;
  profile: ChargingProfile;
  source: string;
  state: string;
  requested_by: string;
  updated_at: Date;
}

function toProfile(r: ProfileRow): StoredChargingProfile {
  return {
    chargePointId: r.charge_point_id,
    connectorId: r.connector_id,
    chargingProfileId: r.charging_profile_id,
    stackLevel: r.stack_level,
    chargingProfilePurpose: r.purpose as ChargingProfilePurpose,
    transactionId: r.transaction_id,
    profile: r.profile,
    source: r.source as ChargingProfileSource,
    state: r.state as ChargingProfileState,
    requestedBy: r.requested_by,
    updatedAt: r.updated_at.toISOString(),
  };
}

export class PostgresEnergyStore implements EnergyStore {
  readonly #sql: Sql;
  readonly #retentionMs: number;

  /**
   * The two reads every StartTransaction and StopTransaction make (load management asks for the station's
   * site, the end of a transaction for its profiles): the questions of many stations go as one statement
   * each kind (`batched_reads.ts`: each still sees everything committed before it was asked).
   */
  readonly #siteOf: BatchedRead<string, string | null>;
  readonly #profilesOf: BatchedRead<string, StoredChargingProfile[]>;
  /** Every boot asks whether the station took profiles before. */
  readonly #supportOf: BatchedRead<string, ChargingProfileSupport | null>;

  constructor(sql: Sql, sampleRetentionMs = DEFAULT_SAMPLE_RETENTION_MS) {
    this.#sql = sql;
    this.#retentionMs = sampleRetentionMs;
    this.#siteOf = new BatchedRead({
      what: "get the sites of stations",
      many: (ids) => this.#sitesOf(ids),
    }, BATCHED_READ_TIMEOUT_MS);
    this.#profilesOf = new BatchedRead({
      what: "list the charging profiles of stations",
      many: (ids) => this.#profilesOfMany(ids),
    }, BATCHED_READ_TIMEOUT_MS);
    this.#supportOf = new BatchedRead({
      what: "get the charging profile support of stations",
      many: (ids) => this.#supportOfMany(ids),
    }, BATCHED_READ_TIMEOUT_MS);
  }

  async #sitesOf(ids: readonly string[]): Promise<(string | null)[]> {
    const rows = await this.#sql<{ charge_point_id: string; site_id: string }[]>`
      select charge_point_id, site_id from site_charge_point where charge_point_id = any(${ids}::text[])`;
    return oneByKey(rows, ids, (r) => r.charge_point_id, (r) => r.site_id);
  }

  async #profilesOfMany(ids: readonly string[]): Promise<StoredChargingProfile[][]> {
    const rows = await this.#sql<ProfileRow[]>`
      select * from charging_profile where charge_point_id = any(${ids}::text[])
      order by charge_point_id, connector_id, charging_profile_id`;
    return byKey(rows, ids, (r) => r.charge_point_id).map((of) => of.map(toProfile));
  }

  // ---------------------------------------------------------------------------------------------- sites

  async getSite(siteId: string): Promise<SiteRecord | null> {
    const rows = await this.#sql<SiteRow[]>`
      select s.*, coalesce((select array_agg(c.charge_point_id order by c.charge_point_id)
                            from site_charge_point c where c.site_id = s.site_id), '{}') as charge_point_ids
      from site s where s.site_id = ${siteId}`;
    return rows[0] ? toSite(rows[0]) : null;
  }

  async putSite(site: SiteRecord): Promise<void> {
    await this.#sql.begin(async (tx) => {
      const row = {
        site_id: site.siteId,
        name: site.name,
        max_current_a: site.maxCurrentA,
        station_max_current_a: site.stationMaxCurrentA,
        updated_by: site.updatedBy,
        created_at: site.createdAt,
        updated_at: site.updatedAt,
      };
      await tx`
        insert into site ${tx(row)}
        on conflict (site_id) do update set name = excluded.name, max_current_a = excluded.max_current_a,
          station_max_current_a = excluded.station_max_current_a, updated_by = excluded.updated_by,
          updated_at = excluded.updated_at`;
      await tx`
        delete from site_charge_point
        where site_id = ${site.siteId} and not (charge_point_id = any(${site.chargePointIds}::text[]))`;
      if (site.chargePointIds.length === 0) return;
      // A station already in another site keeps it: the update's where clause refuses the row, so it is
      // missing from what comes back.
      const claimed = await tx<{ charge_point_id: string }[]>`
        insert into site_charge_point (charge_point_id, site_id)
        select unnest(${site.chargePointIds}::text[]), ${site.siteId}
        on conflict (charge_point_id) do update set site_id = excluded.site_id
          where site_charge_point.site_id = excluded.site_id
        returning charge_point_id`;
      if (claimed.length === site.chargePointIds.length) return;
      const mine = new Set(claimed.map((r) => r.charge_point_id));
      const taken = site.chargePointIds.find((id) => !mine.has(id))!;
      const [owner] = await tx<{ site_id: string }[]>`
        select site_id from site_charge_point where charge_point_id = ${taken}`;
      throw new SiteConflictError(taken, owner?.site_id ?? "?");
    });
  }

  async deleteSite(siteId: string): Promise<boolean> {
    const rows = await this.#sql`delete from site where site_id = ${siteId} returning site_id`;
    return rows.length > 0;
  }

  async listSites(page: { limit: number; after?: string }): Promise<SiteRecord[]> {
    const rows = await this.#sql<SiteRow[]>`
      select s.*, coalesce((select array_agg(c.charge_point_id order by c.charge_point_id)
                            from site_charge_point c where c.site_id = s.site_id), '{}') as charge_point_ids
      from site s
      where ${page.after === undefined ? this.#sql`true` : this.#sql`s.site_id > ${page.after}`}
      order by s.site_id limit ${page.limit}`;
    return rows.map(toSite);
  }

  siteOfChargePoint(chargePointId: string): Promise<string | null> {
    return this.#siteOf.get(chargePointId);
  }

  async appendSiteSample(sample: SiteSample): Promise<void> {
    const cutoff = new Date(Date.parse(sample.at) - this.#retentionMs).toISOString();
    await this.#sql.begin(async (tx) => {
      // A site deleted meanwhile takes its samples along: the insert then adds nothing.
      await tx`
        insert into site_sample (site_id, at, sample)
        select ${sample.siteId}, ${sample.at}, ${tx.json(sample as never)}
        where exists (select 1 from site where site_id = ${sample.siteId})
        on conflict (site_id, at) do update set sample = excluded.sample`;
      await tx`delete from site_sample where site_id = ${sample.siteId} and at < ${cutoff}`;
    });
  }

  async listSiteSamples(siteId: string, page: { limit: number; before?: string }): Promise<SiteSample[]> {
    const rows = await this.#sql<{ sample: SiteSample }[]>`
      select sample from site_sample
      where site_id = ${siteId}
        and ${page.before === undefined ? this.#sql`true` : this.#sql`at < ${page.before}`}
      order by at desc limit ${page.limit}`;
    return rows.map((r) => r.sample);
  }

  // ---------------------------------------------------------------------------------------------- profiles

  listChargingProfiles(chargePointId: string): Promise<StoredChargingProfile[]> {
    return this.#profilesOf.get(chargePointId);
  }

  async updateChargingProfiles(chargePointId: string, changes: ChargingProfileChanges): Promise<void> {
    checkProfileChanges(chargePointId, changes);
    await this.#sql.begin(async (tx) => {
      if (changes.remove.length > 0) {
        await tx`
          delete from charging_profile
          where charge_point_id = ${chargePointId} and charging_profile_id = any(${changes.remove}::integer[])`;
      }
      for (const p of changes.put) {
        const row = {
          charge_point_id: p.chargePointId,
          charging_profile_id: p.chargingProfileId,
          connector_id: p.connectorId,
          stack_level: p.stackLevel,
          purpose: p.chargingProfilePurpose,
          transaction_id: p.transactionId,
          profile: tx.json(p.profile as never),
          source: p.source,
          state: p.state,
          requested_by: p.requestedBy,
          updated_at: p.updatedAt,
        };
        await tx`
          insert into charging_profile ${tx(row)}
          on conflict (charge_point_id, charging_profile_id) do update set
            connector_id = excluded.connector_id, stack_level = excluded.stack_level, purpose = excluded.purpose,
            transaction_id = excluded.transaction_id, profile = excluded.profile, source = excluded.source,
            state = excluded.state, requested_by = excluded.requested_by, updated_at = excluded.updated_at`;
      }
    });
  }

  getChargingProfileSupport(chargePointId: string): Promise<ChargingProfileSupport | null> {
    return this.#supportOf.get(chargePointId);
  }

  async #supportOfMany(ids: readonly string[]): Promise<(ChargingProfileSupport | null)[]> {
    const rows = await this.#sql<
      {
        charge_point_id: string;
        refused_reason: string | null;
        tx_default_only: boolean;
        station_default_rejected: boolean;
        unanswered_runs: number;
        unanswered_until: Date | null;
        updated_at: Date;
      }[]
    >`
      select charge_point_id, refused_reason, tx_default_only, station_default_rejected, unanswered_runs,
        unanswered_until, updated_at
      from charging_profile_support where charge_point_id = any(${ids}::text[])`;
    return oneByKey(rows, ids, (r) => r.charge_point_id, (r) => ({
      chargePointId: r.charge_point_id,
      refusedReason: r.refused_reason,
      txDefaultOnly: r.tx_default_only,
      stationDefaultRejected: r.station_default_rejected,
      unanswered: r.unanswered_runs > 0
        ? { runs: r.unanswered_runs, until: r.unanswered_until?.toISOString() ?? null }
        : null,
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  async putChargingProfileSupport(support: ChargingProfileSupport): Promise<void> {
    const { unanswered } = support;
    await this.#sql`
      insert into charging_profile_support (charge_point_id, refused_reason, tx_default_only,
        station_default_rejected, unanswered_runs, unanswered_until, updated_at)
      values (${support.chargePointId}, ${support.refusedReason}, ${support.txDefaultOnly},
        ${support.stationDefaultRejected}, ${unanswered?.runs ?? 0}, ${unanswered?.until ?? null},
        ${support.updatedAt})
      on conflict (charge_point_id) do update set refused_reason = excluded.refused_reason,
        tx_default_only = excluded.tx_default_only, station_default_rejected = excluded.station_default_rejected,
        unanswered_runs = excluded.unanswered_runs, unanswered_until = excluded.unanswered_until,
        updated_at = excluded.updated_at`;
  }

  async changeChargingProfileSupport(
    chargePointId: string,
    change: ChargingProfileSupportChange,
    updatedAt: string,
  ): Promise<void> {
    const row = supportRow({ ...noSupportFacts(chargePointId, updatedAt), ...change });
    // Only the columns of the facts given are set on a stored row: a change made at once to others stays.
    const set = Object.keys(change).flatMap((fact) =>
      SUPPORT_COLUMNS[fact as keyof ChargingProfileSupportChange]
    );
    await this.#sql`
      insert into charging_profile_support ${
      this.#sql(
        row,
        "charge_point_id",
        "refused_reason",
        "tx_default_only",
        "station_default_rejected",
        "unanswered_runs",
        "unanswered_until",
        "updated_at",
      )
    }
      on conflict (charge_point_id) do update set ${this.#sql(row, ...set, "updated_at")}`;
  }

  async countUnansweredRun(
    chargePointId: string,
    run: { at: string; benchFrom: number; benchedUntil: string },
  ): Promise<UnansweredProfiles> {
    // One statement: the row's count as it is when the row is locked (a reconnect's clearing included).
    const first = oneMoreUnansweredRun(null, run);
    const [row] = await this.#sql<{ unanswered_runs: number; unanswered_until: Date | null }[]>`
      insert into charging_profile_support as s (charge_point_id, refused_reason, tx_default_only,
        station_default_rejected, unanswered_runs, unanswered_until, updated_at)
      values (${chargePointId}, null, false, false, ${first.runs}, ${first.until}, ${run.at})
      on conflict (charge_point_id) do update set
        unanswered_runs = s.unanswered_runs + 1,
        unanswered_until = case when s.unanswered_runs + 1 >= ${run.benchFrom}
          then ${run.benchedUntil}::timestamptz else null end,
        updated_at = excluded.updated_at
      returning unanswered_runs, unanswered_until`;
    return { runs: row!.unanswered_runs, until: row!.unanswered_until?.toISOString() ?? null };
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}

/** The columns of each fact of `ChargingProfileSupport`. */
const SUPPORT_COLUMNS: Record<keyof ChargingProfileSupportChange, (keyof SupportRow)[]> = {
  refusedReason: ["refused_reason"],
  txDefaultOnly: ["tx_default_only"],
  stationDefaultRejected: ["station_default_rejected"],
  unanswered: ["unanswered_runs", "unanswered_until"],
};

interface SupportRow {
  charge_point_id: string;
  refused_reason: string | null;
  tx_default_only: boolean;
  station_default_rejected: boolean;
  unanswered_runs: number;
  unanswered_until: string | null;
  updated_at: string;
}

function supportRow(support: ChargingProfileSupport): SupportRow {
  return {
    charge_point_id: support.chargePointId,
    refused_reason: support.refusedReason,
    tx_default_only: support.txDefaultOnly,
    station_default_rejected: support.stationDefaultRejected,
    unanswered_runs: support.unanswered?.runs ?? 0,
    unanswered_until: support.unanswered?.until ?? null,
    updated_at: support.updatedAt,
  };
}
