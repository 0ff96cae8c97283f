/**
 * The FleetStore on PostgreSQL, on a small pool of its own; opening applies pending migrations under the same
 * advisory lock as the Store's start-up.
 *
 * @example
 * ```ts ignore
 * const fleet = await openPostgresFleetStore("postgres://postgres@127.0.0.1:5432/csms");
 * await fleet.reservations.newReservationId();
 * await fleet.close();
 * ```
 */
import type { FleetStore } from "../fleet.ts";
import { boundedCalls } from "./bounded_calls.ts";
import { openMigratedPool } from "./migrate.ts";
import { PostgresDataTransferStore } from "./data_transfers.ts";
import { PostgresUnknownIdTagStore } from "./unknown_id_tags.ts";
import {
  PostgresFleetSettingsStore,
  PostgresLeaseStore,
  PostgresTransactionFlagStore,
} from "./fleet_records.ts";
import { PostgresJobStore } from "./jobs.ts";
import { PostgresLocalListStore } from "./local_lists.ts";
import { PostgresReservationStore } from "./reservations.ts";
import { PostgresRetentionStore } from "./retention.ts";
import { PostgresWebhookStore } from "./webhooks.ts";

export async function openPostgresFleetStore(
  url: string,
  options: {
    maxConnections?: number;
    migrate?: boolean;
    /** Bound on each call (default 10 s): a connection that stops answering fails it. */
    callTimeoutMs?: number;
  } = {},
): Promise<FleetStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 4,
    applicationName: "ocpp-csms-fleet",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  const ms = options.callTimeoutMs;
  return {
    jobs: boundedCalls(new PostgresJobStore(sql), "jobs", ms),
    webhooks: boundedCalls(new PostgresWebhookStore(sql), "webhooks", ms),
    reservations: boundedCalls(new PostgresReservationStore(sql), "reservations", ms),
    localLists: boundedCalls(new PostgresLocalListStore(sql), "localLists", ms),
    dataTransfers: boundedCalls(new PostgresDataTransferStore(sql), "dataTransfers", ms),
    unknownIdTags: boundedCalls(new PostgresUnknownIdTagStore(sql), "unknownIdTags", ms),
    flags: boundedCalls(new PostgresTransactionFlagStore(sql), "flags", ms),
    settings: boundedCalls(new PostgresFleetSettingsStore(sql), "settings", ms),
    leases: boundedCalls(new PostgresLeaseStore(sql), "leases", ms),
    retention: boundedCalls(new PostgresRetentionStore(sql), "retention", ms),
    close: () => sql.end({ timeout: 5 }),
  };
}
